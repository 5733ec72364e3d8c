using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Dashboards;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.Platform.Dashboards;
using Npgsql;

namespace MultichannelMessages.CoreApi.Dashboards;

/// <summary>
/// Insights (docs/dashboards.md § Insights): the rules' insights read at request time from the rollups, beside the AI
/// provider's insights for the same period and filter, which the Worker asks for on request (POST) and keeps. Insights
/// compare queues, channels and every agent's work, so both need dashboards.read_all.
/// </summary>
public static class InsightsApi
{
    public static RouteGroupBuilder MapInsights(this RouteGroupBuilder dashboards)
    {
        dashboards.MapGet("/insights", Insights).RequirePermission(Permissions.ReadAllDashboards);
        dashboards.MapPost("/insights/ai", RequestAi).RequirePermission(Permissions.ReadAllDashboards);
        return dashboards;
    }

    private sealed record Run(string Status, string? LastError, DateTime RequestedAt, DateTime? GeneratedAt, string? Insights);

    private sealed record Context(string TimeZone, DateTime? FreshAt, bool Provider);

    /// <summary>The rules read the rollups, as tiles do, so they may come from the read replica; the AI run is one row read
    /// from the primary, because the console asks for it (POST) and then shows its state: it must see its own request.</summary>
    public static async Task<Results<Ok<InsightsResult>, ProblemHttpResult>> Insights(long projectId, [AsParameters] TilesApi.FilterQuery query,
        ProjectScope scope, ReadReplica replica, NpgsqlDataSource db, CancellationToken ct)
    {
        var (filter, refusal) = Filter(query, scope);
        if (filter is null) return refusal!;
        var (context, rules) = await replica.ReadAsync(async connection =>
        {
            var context = await connection.QuerySingleAsync<Context>(new CommandDefinition("""
                select p.time_zone, ops.dash_fresh_at() as fresh_at,
                       exists (select 1 from bot.ai_providers a where a.project_id = p.id and a.enabled) as provider
                from core.projects p where p.id = @projectId
                """, new { projectId }, cancellationToken: ct));
            return (context, await InsightRules.ReadAsync(connection, projectId, filter, ct));
        }, ct);
        await using var connection = await db.OpenConnectionAsync(ct);
        var run = await connection.QuerySingleOrDefaultAsync<Run>(new CommandDefinition(
            $"select status, last_error, requested_at, generated_at, insights::text as insights from ops.dash_insight_run({Args})",
            InsightRules.Args(projectId, filter), cancellationToken: ct));
        var previous = InsightRules.PreviousPeriod(filter);
        return TypedResults.Ok(new InsightsResult(filter.From, filter.To, previous.From, previous.To, rules, Ai(run, context.Provider),
            DateTime.UtcNow, context.FreshAt, context.TimeZone));
    }

    public static async Task<Results<Accepted<AiInsights>, ProblemHttpResult>> RequestAi(long projectId, [AsParameters] TilesApi.FilterQuery query,
        ProjectScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        var (filter, refusal) = Filter(query, scope);
        if (filter is null) return refusal!;
        await using var connection = await db.OpenConnectionAsync(ct);
        var provider = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select exists (select 1 from bot.ai_providers where project_id = @projectId and enabled)", new { projectId }, cancellationToken: ct));
        if (!provider)
            return Refusals.Problem(StatusCodes.Status409Conflict, "ai_not_configured",
                "This project has no AI provider turned on: insights come from the rules only.");
        var run = await connection.QuerySingleAsync<Run>(new CommandDefinition(
            $"select status, last_error, requested_at, generated_at, insights::text as insights from ops.dash_request_insights({Args}, @requestedBy)",
            InsightRules.Args(projectId, filter, scope.UserId), cancellationToken: ct));
        return TypedResults.Accepted(
            $"/projects/{projectId}/dashboards/insights?from={filter.From:yyyy-MM-dd}&to={filter.To:yyyy-MM-dd}", Ai(run, true));
    }

    private const string Args = "@projectId, @from::date, @to::date, @AccountId, @Channel, @QueueId, @UserId, @CampaignId, @FlowId, @AiAgentId";

    /// <summary>The filter, checked as a tile's is (every tile filter applies to insights).</summary>
    private static (DashboardFilter? Filter, ProblemHttpResult? Refusal) Filter(TilesApi.FilterQuery query, ProjectScope scope)
    {
        var (_, filter, refusal) = TilesApi.Resolve(TileKeys.Conversations, query, scope);
        return (filter is null ? null : filter with { Compare = true }, refusal);
    }

    private static AiInsights Ai(Run? run, bool provider) => run switch
    {
        null => new AiInsights(provider ? AiInsightStates.NotRequested : AiInsightStates.Unavailable, null, null, null, []),
        _ => new AiInsights(run.Status, run.LastError, run.RequestedAt, run.GeneratedAt,
            run.Insights is null ? [] : System.Text.Json.JsonSerializer.Deserialize<Insight[]>(run.Insights, InsightJson.Options) ?? []),
    };
}
