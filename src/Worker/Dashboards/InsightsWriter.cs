using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Options;
using MultichannelMessages.Contracts.Dashboards;
using MultichannelMessages.Platform.Dashboards;
using MultichannelMessages.Worker.Ai;
using Npgsql;
using OpenAI.Chat;

namespace MultichannelMessages.Worker.Dashboards;

/// <summary>A run as claimed (ops.dash_claim_insight_run): the lease is ours.</summary>
public sealed record InsightRun(long Id, long ProjectId, DateOnly DayFrom, DateOnly DayTo, string Filter, int AttemptCount);

/// <summary>
/// AI insights (docs/dashboards.md § Insights): one run per project, period and filter, asked from the console. The
/// model is shown aggregates only (<see cref="InsightFacts"/>) and answers in a strict schema whose link is one of the
/// offered views (an enum of their ids), so an insight can only point at a filter we built. Audited in bot.ai_turns
/// (purpose insights) against the project's daily budget; with no provider, or the budget spent, the run is skipped
/// and the console shows the rules' insights only.
/// </summary>
public sealed partial class InsightsWriter(NpgsqlDataSource db, AiStore store, AiClients clients, AssistModel model, IOptions<AiOptions> options,
    ILogger<InsightsWriter> logger)
{
    /// <summary>Insights kept from one answer.</summary>
    public const int MaxInsights = 6;
    private const int MaxTextLength = 400;
    private static readonly string[] Severities = [InsightSeverities.Critical, InsightSeverities.Warning, InsightSeverities.Info];

    private readonly AiOptions _options = options.Value;

    public async Task<int> WriteOneAsync(string worker, CancellationToken ct)
    {
        InsightRun? run;
        await using (var connection = await db.OpenConnectionAsync(ct))
            run = await connection.QuerySingleOrDefaultAsync<InsightRun>(new CommandDefinition("""
                select id, project_id, day_from, day_to, filter::text as filter, attempt_count
                from ops.dash_claim_insight_run(@worker, @lease, @max)
                """, new { worker, lease = _options.LeaseSeconds, max = _options.MaxAttempts }, cancellationToken: ct));
        if (run is null) return 0;

        var provider = clients.For(run.ProjectId, await store.ProviderAsync(run.ProjectId), out var problem);
        if (provider is null || provider.Row.BudgetSpent)
        {
            await FinishAsync(run, worker, AiInsightStates.Skipped, null, null, problem ?? "budget_spent", null);
            return 1;
        }
        var filter = Filter(run);
        try
        {
            await WriteAsync(run, worker, provider, filter, ct);
        }
        catch (Exception ex) when (ProviderErrors.IsProviderFailure(ex) && !ct.IsCancellationRequested)
        {
            var error = ProviderErrors.Describe(ex);
            LogFailed(logger, run.Id, run.ProjectId, run.AttemptCount, error);
            if (run.AttemptCount >= _options.MaxAttempts || ProviderErrors.IsPermanent(ex))
                await FinishAsync(run, worker, AiInsightStates.Failed, null, null, error, null);
            else await FinishAsync(run, worker, AiInsightStates.Pending, null, null, error, _options.RetryBaseMs << Math.Min(run.AttemptCount - 1, 8));
        }
        return 1;
    }

    private async Task WriteAsync(InsightRun run, string worker, AiProvider provider, DashboardFilter filter, CancellationToken ct)
    {
        JsonObject facts;
        IReadOnlyList<InsightLink> links;
        await using (var connection = await db.OpenConnectionAsync(ct))
            (facts, links) = await InsightFacts.ReadAsync(connection, run.ProjectId, filter, ct);
        var language = await store.DefaultLanguageAsync(run.ProjectId);
        var messages = new List<ChatMessage>
        {
            new SystemChatMessage(Instructions(language)),
            new UserChatMessage("Dashboard aggregates (JSON):\n" + facts.ToJsonString()),
        };
        var ids = links.Select(l => l.Id).ToArray();
        var answer = await model.CompleteAsync(provider, run.ProjectId, null, "insights", messages, Schema(ids), Check, ct);
        if (answer.Json is null)
        {
            await FinishAsync(run, worker, AiInsightStates.Failed, null, answer.TurnId, "invalid_output", null);
            return;
        }
        var insights = Map(answer.Json, links);
        await FinishAsync(run, worker, AiInsightStates.Done, JsonSerializer.Serialize(insights, InsightJson.Options), answer.TurnId, null, null);
        LogWritten(logger, run.Id, run.ProjectId, insights.Length);
    }

    private static string Instructions(string language) => $"""
        You are the analyst of a customer-support team's dashboard (WhatsApp, Instagram, Messenger). You are given aggregate
        figures for a period and the previous period of equal length: rule_findings (what fixed rules flagged, with figures)
        and tiles (each tile's rows, current and previous). Durations are seconds (business hours), percentages 0-100.
        Write at most {MaxInsights} insights: what changed, where (channel, queue, number, stage), and what to do. Prefer the
        largest and most actionable changes; do not repeat a finding without adding what it means. Each insight is one or two
        sentences with the figures that support it, written in the language whose code is "{language}". For each, pick the
        view that shows it from links (its id) and a suggested action code. Use only the figures given; do not invent any.
        """;

    /// <summary>The answer's strict schema: the severity, action and link are enums, so only offered values come back.</summary>
    private static JsonObject Schema(string[] linkIds)
    {
        static JsonObject Enum(IEnumerable<string> values) =>
            new() { ["type"] = "string", ["enum"] = new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]) };
        var item = AssistModel.Schema(
            ("severity", Enum(Severities)),
            ("text", new JsonObject { ["type"] = "string" }),
            ("action", Enum(InsightActions.All)),
            ("link", Enum(linkIds)));
        return AssistModel.Schema(("insights", new JsonObject { ["type"] = "array", ["items"] = item }));
    }

    private static string? Check(JsonObject? json) =>
        json?["insights"] is JsonArray ? null : "invalid_output: no insights array";

    /// <summary>Items whose link, severity or action is not one offered are dropped (the schema already forbids them).</summary>
    private static Insight[] Map(JsonObject json, IReadOnlyList<InsightLink> links) =>
        json["insights"]!.AsArray().OfType<JsonObject>()
            .Select(i => (Link: links.FirstOrDefault(l => l.Id == Text(i["link"])), Severity: Text(i["severity"]), Action: Text(i["action"]),
                          Text: Text(i["text"])?.Trim()))
            .Where(i => i.Link is not null && Severities.Contains(i.Severity) && InsightActions.All.Contains(i.Action) && !string.IsNullOrEmpty(i.Text))
            .Take(MaxInsights)
            .Select(i => new Insight(InsightKinds.Ai, i.Severity!, i.Action!, i.Link!.Tile, i.Link.Filter, new Dictionary<string, string>(),
                new Dictionary<string, double?>(), i.Text!.Length > MaxTextLength ? i.Text[..MaxTextLength] : i.Text))
            .ToArray();

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static DashboardFilter Filter(InsightRun run)
    {
        var f = JsonNode.Parse(run.Filter)!.AsObject();
        long? Id(string name) => f[name] is JsonValue v && v.TryGetValue(out long l) ? l : null;
        return new DashboardFilter(run.DayFrom, run.DayTo, Id(FilterNames.Account),
            Text(f[FilterNames.Channel]), Id(FilterNames.Queue), Id(FilterNames.User), Id(FilterNames.Campaign), Id(FilterNames.Flow),
            Id(FilterNames.AiAgent), Compare: true);
    }

    private async Task FinishAsync(InsightRun run, string worker, string status, string? insights, long? turnId, string? error, int? retryMs)
    {
        await using var connection = await db.OpenConnectionAsync();
        if (!await connection.ExecuteScalarAsync<bool>(
                "select ops.dash_finish_insight_run(@id, @worker, @status, @insights::jsonb, @turnId, @error, @retryMs)",
                new { id = run.Id, worker, status, insights, turnId, error, retryMs }))
            LogLost(logger, run.Id);
    }

    [LoggerMessage(790, LogLevel.Information, "AI insights run {RunId} of project {ProjectId}: {Count} insights kept")]
    private static partial void LogWritten(ILogger logger, long runId, long projectId, int count);

    [LoggerMessage(791, LogLevel.Warning, "AI insights run {RunId} of project {ProjectId} failed, attempt {Attempt}: {Error}")]
    private static partial void LogFailed(ILogger logger, long runId, long projectId, int attempt, string error);

    [LoggerMessage(792, LogLevel.Information, "AI insights run {RunId} was taken by another Worker; its answer is dropped")]
    private static partial void LogLost(ILogger logger, long runId);
}
