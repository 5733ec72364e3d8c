using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Bots;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;
using static MultichannelMessages.CoreApi.Bots.BotsApi;

namespace MultichannelMessages.CoreApi.Bots;

/// <summary>
/// Where flows start: an activation ties a published flow to a Meta account and an entry point (new_conversation,
/// keyword, referral, out_of_hours, ai_handoff). Keywords are kept as written and folded (accents and case) for the
/// runtime; two enabled activations of one account never compete for the same messages (activation_exists).
/// </summary>
public static class FlowActivationsApi
{
    public const int MaxKeywords = 50;
    private static readonly string[] Entries = ["new_conversation", "keyword", "referral", "out_of_hours", "ai_handoff"];

    public static RouteGroupBuilder MapFlowActivations(this RouteGroupBuilder bots)
    {
        bots.MapGet("/activations", List).RequirePermission(Permissions.ReadBots);
        bots.MapPost("/activations", Create).RequirePermission(Permissions.ManageBots);
        bots.MapPut("/activations/{activationId:long}", Update).RequirePermission(Permissions.ManageBots);
        bots.MapDelete("/activations/{activationId:long}", Delete).RequirePermission(Permissions.ManageBots);
        return bots;
    }

    // Dapper maps arrays through settable properties only, not record constructors.
    private sealed class Row
    {
        public long Id { get; set; }
        public long FlowId { get; set; }
        public string FlowName { get; set; } = "";
        public long AccountId { get; set; }
        public string Entry { get; set; } = "";
        public string[] Keywords { get; set; } = [];
        public string? Referral { get; set; }
        public bool Enabled { get; set; }
    }

    private static async Task<FlowActivation[]> ListAsync(NpgsqlConnection connection, long projectId, CancellationToken ct) =>
        (await connection.QueryAsync<Row>(Sql("""
            select id, flow_id, flow_name, account_id, entry, keywords, referral, enabled from bot.flow_activation_list(@projectId)
            """, new { projectId }, ct)))
        .Select(r => new FlowActivation(r.Id, r.FlowId, r.FlowName, r.AccountId, r.Entry, r.Keywords, r.Referral, r.Enabled))
        .ToArray();

    public static async Task<Ok<FlowActivation[]>> List(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await ListAsync(connection, projectId, ct));
    }

    public static async Task<Results<Created<FlowActivation>, ProblemHttpResult>> Create(long projectId, FlowActivationRequest request,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var (item, problem) = await SaveAsync(projectId, null, request, scope, http, db, ct);
        return problem ?? (Results<Created<FlowActivation>, ProblemHttpResult>)TypedResults.Created(
            $"/projects/{projectId}/bots/activations/{item!.Id}", item);
    }

    /// <summary>The whole activation, as on create.</summary>
    public static async Task<Results<Ok<FlowActivation>, ProblemHttpResult>> Update(long projectId, long activationId, FlowActivationRequest request,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var (item, problem) = await SaveAsync(projectId, activationId, request, scope, http, db, ct);
        return problem ?? (Results<Ok<FlowActivation>, ProblemHttpResult>)TypedResults.Ok(item!);
    }

    /// <summary>The keywords trimmed, each once (case ignored), or the refusal of an entry's fields.</summary>
    private static (string[] Keywords, ProblemHttpResult? Problem) Keywords(FlowActivationRequest request, string entry)
    {
        if (entry != "keyword") return ([], null);
        var keywords = (request.Keywords ?? []).Select(k => k?.Trim() ?? "").Where(k => k.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (keywords.Length == 0) return ([], Refusal("keywords_required"));
        if (keywords.Length > MaxKeywords || keywords.Any(k => k.Length > 100))
            return ([], Refusals.Invalid("keywords", "invalid_keywords", $"At most {MaxKeywords} keywords, each of at most 100 characters."));
        return (keywords, null);
    }

    private static async Task<(FlowActivation? Item, ProblemHttpResult? Problem)> SaveAsync(long projectId, long? activationId,
        FlowActivationRequest request, ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (request.FlowId is null) return (null, Refusals.Invalid("flowId", "required", "Choose the flow."));
        if (request.AccountId is null) return (null, Refusals.Invalid("accountId", "required", "Choose the account the flow runs on."));
        if (request.Entry is not { } entry || !Entries.Contains(entry))
            return (null, Refusals.Invalid("entry", "invalid_entry", $"An entry point is one of {string.Join(", ", Entries)}."));
        var (keywords, problem) = Keywords(request, entry);
        if (problem is not null) return (null, problem);
        var referral = entry == "referral" && !string.IsNullOrWhiteSpace(request.Referral) ? request.Referral.Trim() : null;
        if (referral is { Length: > 200 }) return (null, Refusals.Invalid("referral", "invalid_referral", "A referral's source id or ref has at most 200 characters."));
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var (id, refusal) = await connection.QuerySingleAsync<(long? Id, string? Refusal)>(Sql("""
            select activation_id, refusal
            from bot.save_flow_activation(@projectId, @activationId, @FlowId, @AccountId, @entry, @keywords, @referral, @enabled, @userId)
            """, new { projectId, activationId, request.FlowId, request.AccountId, entry, keywords, referral, enabled = request.Enabled ?? true,
                       userId = scope.UserId }, ct));
        if (refusal is not null) return (null, Refusal(refusal));
        await command.CommitAsync(ct);
        return ((await ListAsync(connection, projectId, ct)).Single(a => a.Id == id), null);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(long projectId, long activationId, ProjectScope scope, HttpContext http,
        NpgsqlDataSource db, CancellationToken ct) =>
        await db.ExecuteCommandAsync(http, "select bot.delete_flow_activation(@projectId, @activationId, @userId)",
            new { projectId, activationId, userId = scope.UserId }, ct)
            ? TypedResults.NoContent() : Refusals.NotFound();
}
