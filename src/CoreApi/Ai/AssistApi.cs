using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Ai;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;
using static MultichannelMessages.CoreApi.Ai.AiApi;

namespace MultichannelMessages.CoreApi.Ai;

/// <summary>
/// Agent assist: a person working a conversation asks for reply suggestions, a summary or a template's variables; the
/// Worker answers (the Core API never calls the provider) and the console polls the assist until it is done. The route's
/// conversation is checked by the access middleware like every conversation route (outside the caller's queues: 404),
/// and an assist is only found under its own conversation.
/// </summary>
public static class AssistApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapAssists(this IEndpointRouteBuilder app)
    {
        var ai = app.MapGroup("/projects/{projectId:long}/conversations/{conversationId:long}/ai").WithTags("AI");
        ai.MapPost("/assists", Request).RequirePermission(Permissions.AssistAi)
            .WithDescription("202 with the assist; poll GET …/assists/{assistId} until its status is done or failed.");
        ai.MapGet("/assists/{assistId:long}", Get).RequirePermission(Permissions.AssistAi);
        ai.MapGet("/summary", Summary).RequirePermission(Permissions.ReadAi)
            .WithDescription("The latest summary that came back; 204 when none has.");
        return app;
    }

    private sealed record Row(long Id, long ConversationId, string Kind, long? TemplateId, string Status, string? Result, string? Error,
        int AttemptCount, DateTime RequestedAt, DateTime? DoneAt, string? RequestedByName);

    private sealed record Answer(string[]? Suggestions, string? Summary, string[]? Pending, Dictionary<string, string>? Values);

    private static AiAssist ToContract(Row r)
    {
        var a = r.Status == "done" && r.Result is { } json ? JsonSerializer.Deserialize<Answer>(json, Json) : null;
        return new AiAssist(r.Id, r.ConversationId, r.Kind, r.TemplateId, r.Status, a?.Suggestions, a?.Summary, a?.Pending, a?.Values, r.Error,
            r.AttemptCount, r.RequestedAt, r.DoneAt, r.RequestedByName);
    }

    private static async Task<AiAssist?> ReadAsync(NpgsqlConnection connection, long conversationId, long assistId, CancellationToken ct) =>
        await connection.QuerySingleOrDefaultAsync<Row>(Sql("""
            select id, conversation_id, kind, template_id, status, result, error, attempt_count, requested_at, done_at, null::text as requested_by_name
            from bot.assist_of(@conversationId, @assistId)
            """, new { conversationId, assistId }, ct)) is { } row ? ToContract(row) : null;

    public static async Task<Results<Accepted<AiAssist>, ProblemHttpResult>> Request(AiAssistRequest request, ConversationScope visible,
        NpgsqlDataSource db, CancellationToken ct)
    {
        if (request.Kind is not ("suggest" or "summary" or "autofill"))
            return Refusals.Invalid("kind", "invalid_kind", "Ask for suggest, summary or autofill.");
        if (request.Kind == "autofill" && request.TemplateId is null)
            return Refusals.Invalid("templateId", "template_required", "Autofill fills a template: say which.");
        await using var connection = await db.OpenConnectionAsync(ct);
        var (id, refusal) = await connection.QuerySingleAsync<(long?, string?)>(Sql(
            "select assist_id, refusal from bot.request_assist(@ConversationId, @UserId, @Kind, @TemplateId)",
            new { visible.ConversationId, visible.UserId, request.Kind, request.TemplateId }, ct));
        if (refusal is not null) return AssistRefusal(refusal);
        var assist = (await ReadAsync(connection, visible.ConversationId, id!.Value, ct))!;
        return TypedResults.Accepted($"/projects/{visible.ProjectId}/conversations/{visible.ConversationId}/ai/assists/{assist.Id}", assist);
    }

    public static async Task<Results<Ok<AiAssist>, ProblemHttpResult>> Get(long assistId, ConversationScope visible, NpgsqlDataSource db,
        CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await ReadAsync(connection, visible.ConversationId, assistId, ct) is { } assist ? TypedResults.Ok(assist) : Refusals.NotFound();
    }

    public static async Task<Results<Ok<AiAssist>, NoContent>> Summary(ConversationScope visible, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(Sql("""
            select id, conversation_id, kind, template_id, status, result, error, attempt_count, requested_at, done_at, requested_by_name
            from bot.latest_summary(@ConversationId)
            """, new { visible.ConversationId }, ct));
        return row is null ? TypedResults.NoContent() : TypedResults.Ok(ToContract(row));
    }

    private static ProblemHttpResult AssistRefusal(string code) => code switch
    {
        "unknown_template" => Refusals.Invalid("templateId", code, "That template does not exist in this project."),
        "no_provider" => Refusals.Problem(StatusCodes.Status409Conflict, code, "The project has no AI provider turned on: an admin configures one in AI settings."),
        "too_many_pending" => Refusals.Problem(StatusCodes.Status429TooManyRequests, code, "Five of your requests are still being answered: wait for them."),
        _ => Refusal(code),
    };
}
