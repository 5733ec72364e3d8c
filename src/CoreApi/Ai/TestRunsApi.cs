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
/// The agent editor's test chat: the admin's scripted thread is answered by the draft (or the published version) in the
/// Worker, which alone calls the provider (449_ai_test_runs.sql, src/Worker/Ai/TestRuns). Nothing is sent and no tool
/// that writes runs; the editor polls the run until it is done.
/// </summary>
public static class TestRunsApi
{
    public const int MaxMessages = 40;
    public const int MaxMessageChars = 4_000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static RouteGroupBuilder MapTestRuns(this RouteGroupBuilder ai)
    {
        ai.MapPost("/agents/{agentId:long}/test-runs", Create).RequirePermission(Permissions.ManageAi);
        ai.MapGet("/test-runs/{runId:long}", Get).RequirePermission(Permissions.ManageAi);
        return ai;
    }

    public static async Task<Results<Accepted<AiTestRun>, ProblemHttpResult>> Create(long projectId, long agentId, AiTestRunRequest request,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (Check(request.Messages) is { } problem) return problem;
        var messages = JsonSerializer.Serialize(request.Messages!.Select(m => new { role = m.Role, text = m.Text.Trim() }), Json);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var (runId, refusal) = await connection.QuerySingleAsync<(long? RunId, string? Refusal)>(Sql(
            "select run_id, refusal from bot.request_ai_test_run(@projectId, @agentId, @published, @messages::jsonb, @userId)",
            new { projectId, agentId, published = request.UsePublished == true, messages, userId = scope.UserId }, ct));
        if (refusal is not null) return Refusal(refusal);
        await command.CommitAsync(ct);
        var run = (await ReadAsync(connection, projectId, runId!.Value, ct))!;
        return TypedResults.Accepted($"/projects/{projectId}/ai/test-runs/{run.Id}", run);
    }

    public static async Task<Results<Ok<AiTestRun>, ProblemHttpResult>> Get(long projectId, long runId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await ReadAsync(connection, projectId, runId, ct) is { } run ? TypedResults.Ok(run) : Refusals.NotFound();
    }

    /// <summary>The thread: 1 to 40 messages, each customer or agent with text, the last one the customer's (the
    /// agent answers a customer).</summary>
    public static ProblemHttpResult? Check(AiTestMessage[]? messages)
    {
        if (messages is not { Length: > 0 })
            return Refusals.Invalid("messages", "required", "Write at least one message as the customer.");
        if (messages.Length > MaxMessages)
            return Refusals.Invalid("messages", "too_many", $"A test chat holds up to {MaxMessages} messages: start a new one.");
        for (var i = 0; i < messages.Length; i++)
        {
            if (messages[i] is not { Role: "customer" or "agent" })
                return Refusals.Invalid($"messages[{i}].role", "invalid", "A message's role is customer or agent.");
            if (string.IsNullOrWhiteSpace(messages[i].Text) || messages[i].Text.Length > MaxMessageChars)
                return Refusals.Invalid($"messages[{i}].text", "invalid", $"A message has text, up to {MaxMessageChars} characters.");
        }
        return messages[^1].Role == "customer"
            ? null
            : Refusals.Invalid($"messages[{messages.Length - 1}].role", "last_not_customer", "The last message is the customer's: the agent answers it.");
    }

    private static async Task<AiTestRun?> ReadAsync(NpgsqlConnection connection, long projectId, long runId, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<string?>(Sql("select bot.ai_test_run(@projectId, @runId)::text", new { projectId, runId }, ct)) is { } json
            ? JsonSerializer.Deserialize<AiTestRun>(json, Json)
            : null;
}
