using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Bots;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;
using static MultichannelMessages.CoreApi.Bots.BotsApi;

namespace MultichannelMessages.CoreApi.Bots;

/// <summary>
/// Flows: a draft saved over the revision the editor started from (a stale save is refused, draft_conflict, rather than
/// overwriting a colleague's work) and saved with its problems listed, so half-drawn work is never lost; a publish
/// refuses a draft with any problem (422 flow_invalid, the list in <c>problems</c>) and copies it into the next
/// immutable version. A save refuses only what could not be edited at all: a bad name, more than 200 nodes, a stale
/// revision or an archived flow.
/// </summary>
public static class FlowsApi
{
    /// <summary>Maps the flow routes; returns the <c>…/bots/flows</c> group.</summary>
    public static RouteGroupBuilder MapFlows(this RouteGroupBuilder bots)
    {
        var flows = bots.MapGroup("/flows");
        flows.MapGet("", List).RequirePermission(Permissions.ReadBots);
        flows.MapPost("", Create).RequirePermission(Permissions.ManageBots);
        flows.MapGet("/{flowId:long}", Get).RequirePermission(Permissions.ReadBots);
        flows.MapPut("/{flowId:long}", SaveDraft).RequirePermission(Permissions.ManageBots);
        flows.MapPost("/{flowId:long}/publish", Publish).RequirePermission(Permissions.ManageBots);
        flows.MapGet("/{flowId:long}/versions", Versions).RequirePermission(Permissions.ReadBots);
        flows.MapPost("/{flowId:long}/archive", Archive).RequirePermission(Permissions.ManageBots);
        flows.MapGet("/{flowId:long}/analytics", Analytics).RequirePermission(Permissions.ReadBots);
        return flows;
    }

    // Dapper maps arrays through settable properties only, not record constructors.
    private sealed class SummaryRow
    {
        public long Id { get; set; }
        public string Name { get; set; } = "";
        public int DraftRevision { get; set; }
        public int? PublishedVersion { get; set; }
        public DateTime? PublishedAt { get; set; }
        public bool Archived { get; set; }
        public long[] AccountIds { get; set; } = [];
        public int ActiveSessions { get; set; }
        public DateTime UpdatedAt { get; set; }
    }

    private sealed record DetailRow(long Id, string Name, int DraftRevision, string Draft, int? PublishedVersion, string? Published,
        DateTime? PublishedAt, bool Archived);

    private sealed class ContextRow
    {
        public long[] QueueIds { get; set; } = [];
        public long[] AgentIds { get; set; } = [];
        public string[] TemplateNames { get; set; } = [];
    }

    /// <summary>The flow with its draft's problems; null: not this project's (404 like a missing one).</summary>
    internal static async Task<FlowDetail?> ReadAsync(NpgsqlConnection connection, long projectId, long flowId, CancellationToken ct)
    {
        if (await connection.QuerySingleOrDefaultAsync<DetailRow>(Sql("""
                select id, name, draft_revision, draft, published_version, published, published_at, archived
                from bot.flow_detail(@projectId, @flowId)
                """, new { projectId, flowId }, ct)) is not { } r)
            return null;
        var problems = FlowRules.Check(Parse(r.Draft), await ContextAsync(connection, projectId, ct));
        return new FlowDetail(r.Id, r.Name, r.DraftRevision, r.Draft, r.PublishedVersion, r.Published, r.PublishedAt, r.Archived, problems);
    }

    /// <summary>What the project holds that a flow may name (queues, published agents, templates).</summary>
    internal static async Task<FlowRulesContext> ContextAsync(NpgsqlConnection connection, long projectId, CancellationToken ct)
    {
        var row = await connection.QuerySingleAsync<ContextRow>(Sql(
            "select queue_ids, agent_ids, template_names from bot.flow_rules_context(@projectId)", new { projectId }, ct));
        return new FlowRulesContext(row.QueueIds.ToHashSet(), row.AgentIds.ToHashSet(), row.TemplateNames.ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>A stored document (the Core API's own serialization), or null when it is not one.</summary>
    internal static FlowDefinition? Parse(string json)
    {
        try { return JsonSerializer.Deserialize<FlowDefinition>(json, JsonSerializerOptions.Web); }
        catch (JsonException) { return null; }
    }

    /// <summary>Whether the flow is this project's: another project's flow answers 404 like a missing one.</summary>
    internal static async Task<bool> InProjectAsync(NpgsqlConnection connection, long projectId, long flowId, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<long?>(Sql("select bot.flow_scope(@flowId)", new { flowId }, ct)) == projectId;

    /// <summary>The document as stored (camelCase, web defaults), or the 422 of a document too large to edit.</summary>
    private static (string? Json, ProblemHttpResult? Problem) Serialize(FlowDefinition definition)
    {
        if (definition.Nodes is { Length: > FlowRules.MaxNodes } nodes)
        {
            var detail = $"A flow has at most {FlowRules.MaxNodes} nodes; this one has {nodes.Length}.";
            FlowProblem[] problems = [new(null, "nodes", "flow_too_many_nodes", detail)];
            return (null, Refusals.Unprocessable("flow_too_many_nodes", detail, problems, "definition.nodes"));
        }
        return (JsonSerializer.Serialize(definition, JsonSerializerOptions.Web), null);
    }

    private static string? Name(string? name) => name?.Trim() is { Length: > 0 and <= 80 } trimmed ? trimmed : null;

    private static ProblemHttpResult InvalidName() => Refusals.Invalid("name", "invalid_name", "A flow's name has 1 to 80 characters.");

    public static async Task<Ok<FlowSummary[]>> List(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok((await connection.QueryAsync<SummaryRow>(Sql("""
            select id, name, draft_revision, published_version, published_at, archived, account_ids, active_sessions, updated_at
            from bot.flow_list(@projectId)
            """, new { projectId }, ct)))
            .Select(r => new FlowSummary(r.Id, r.Name, r.DraftRevision, r.PublishedVersion, r.PublishedAt, r.Archived, r.AccountIds, r.ActiveSessions,
                r.UpdatedAt))
            .ToArray());
    }

    public static async Task<Results<Ok<FlowDetail>, ProblemHttpResult>> Get(long projectId, long flowId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await ReadAsync(connection, projectId, flowId, ct) is { } flow ? TypedResults.Ok(flow) : Refusals.NotFound();
    }

    /// <summary>A new flow with its draft; without a definition, <see cref="FlowRules.Default"/>.</summary>
    public static async Task<Results<Created<FlowDetail>, ProblemHttpResult>> Create(long projectId, FlowDraftRequest request, ProjectScope scope,
        HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (Name(request.Name) is not { } name) return InvalidName();
        var (draft, problem) = Serialize(request.Definition ?? FlowRules.Default());
        if (problem is not null) return problem;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var (id, refusal) = await connection.QuerySingleAsync<(long? Id, string? Refusal)>(Sql(
            "select flow_id, refusal from bot.create_flow(@projectId, @name, @draft::jsonb, @userId)",
            new { projectId, name, draft, userId = scope.UserId }, ct));
        if (refusal is not null) return Refusal(refusal);
        await command.CommitAsync(ct);
        return TypedResults.Created($"/projects/{projectId}/bots/flows/{id}", (await ReadAsync(connection, projectId, id!.Value, ct))!);
    }

    /// <summary>Saves the draft (and the name) over <see cref="FlowDraftRequest.Revision"/>, problems and all; a definition
    /// left out keeps the draft (a rename).</summary>
    public static async Task<Results<Ok<FlowDetail>, ProblemHttpResult>> SaveDraft(long projectId, long flowId, FlowDraftRequest request,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (request.Revision is not { } revision)
            return Refusals.Invalid("revision", "required", "Give the draft revision you started from (draftRevision).");
        var name = Name(request.Name);
        if (request.Name is not null && name is null) return InvalidName();
        string? draft = null;
        if (request.Definition is not null)
        {
            (draft, var problem) = Serialize(request.Definition);
            if (problem is not null) return problem;
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var refusal = await connection.ExecuteScalarAsync<string?>(Sql(
            "select bot.save_flow_draft(@projectId, @flowId, @name, @draft::jsonb, @revision, @userId)",
            new { projectId, flowId, name, draft, revision, userId = scope.UserId }, ct));
        if (refusal is not null) return Refusal(refusal);
        await command.CommitAsync(ct);
        return TypedResults.Ok((await ReadAsync(connection, projectId, flowId, ct))!);
    }

    /// <summary>The draft as it is now becomes the next version, once it has no problem.</summary>
    public static async Task<Results<Ok<FlowDetail>, ProblemHttpResult>> Publish(long projectId, long flowId, ProjectScope scope, HttpContext http,
        NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await ReadAsync(connection, projectId, flowId, ct) is not { } flow) return Refusals.NotFound();
        if (flow.Problems.Length > 0)
            return Refusals.Unprocessable("flow_invalid", $"The flow has {flow.Problems.Length} problem(s) to fix before it can be published.", flow.Problems);
        await using var command = await connection.BeginCommandAsync(http, ct);
        // The revision checked: a save landing between the check and the publish is refused, never published unchecked.
        var (_, refusal) = await connection.QuerySingleAsync<(int? Version, string? Refusal)>(Sql(
            "select version, refusal from bot.publish_flow(@projectId, @flowId, @revision, @userId)",
            new { projectId, flowId, revision = flow.DraftRevision, userId = scope.UserId }, ct));
        if (refusal is not null) return Refusal(refusal);
        await command.CommitAsync(ct);
        return TypedResults.Ok((await ReadAsync(connection, projectId, flowId, ct))!);
    }

    public static async Task<Results<Ok<FlowVersionItem[]>, ProblemHttpResult>> Versions(long projectId, long flowId, NpgsqlDataSource db,
        CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await InProjectAsync(connection, projectId, flowId, ct)) return Refusals.NotFound();
        return TypedResults.Ok((await connection.QueryAsync<FlowVersionItem>(Sql("""
            select id, version, published_at, published_by, published_by_name from bot.flow_versions_of(@projectId, @flowId)
            """, new { projectId, flowId }, ct))).ToArray());
    }

    /// <summary>The flow starts nowhere any more (its activations are disabled); sessions running it finish; it stays
    /// readable, with its versions and analytics.</summary>
    public static async Task<Results<Ok<FlowDetail>, ProblemHttpResult>> Archive(long projectId, long flowId, ProjectScope scope, HttpContext http,
        NpgsqlDataSource db, CancellationToken ct)
    {
        if (!await db.ExecuteCommandAsync(http, "select bot.archive_flow(@projectId, @flowId, @userId)",
                new { projectId, flowId, userId = scope.UserId }, ct))
            return Refusals.NotFound();
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok((await ReadAsync(connection, projectId, flowId, ct))!);
    }

    private sealed record AnalyticsRow(int Started, int Completed, int HandedOff, int Expired, int Off, int Failed, int Active, string DroppedAt);

    /// <summary>Sessions started from (inclusive) to (exclusive): by default the last 30 days; at most a year.</summary>
    public static async Task<Results<Ok<FlowAnalytics>, ProblemHttpResult>> Analytics(long projectId, long flowId, DateTimeOffset? from,
        DateTimeOffset? to, NpgsqlDataSource db, CancellationToken ct)
    {
        var end = to?.UtcDateTime ?? DateTime.UtcNow;
        var start = from?.UtcDateTime ?? end.AddDays(-30);
        if (end <= start) return Refusals.Invalid("to", "invalid_period", "The period ends after it starts.");
        if (end - start > TimeSpan.FromDays(366)) return Refusals.Invalid("from", "invalid_period", "A period is at most a year.");
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await InProjectAsync(connection, projectId, flowId, ct)) return Refusals.NotFound();
        var r = await connection.QuerySingleAsync<AnalyticsRow>(Sql("""
            select started, completed, handed_off, expired, off, failed, active, dropped_at from bot.flow_analytics(@projectId, @flowId, @start, @end)
            """, new { projectId, flowId, start, end }, ct));
        return TypedResults.Ok(new FlowAnalytics(flowId, start, end, r.Started, r.Completed, r.HandedOff, r.Expired, r.Off, r.Failed, r.Active,
            JsonSerializer.Deserialize<FlowNodeCount[]>(r.DroppedAt, JsonSerializerOptions.Web) ?? []));
    }
}
