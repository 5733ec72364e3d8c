namespace MultichannelMessages.CoreApi.Dashboards;

/// <summary>
/// Dashboards (issue 16, docs/dashboards.md): tiles read from rollups the Worker keeps (never from message history),
/// each person's layout, a queue's published default, the funnel and SLA targets. Contract: Contracts/Dashboards.cs.
/// </summary>
public static class DashboardsApi
{
    /// <summary>Maps the dashboard routes; returns the <c>/projects/{projectId}/dashboards</c> group.</summary>
    public static RouteGroupBuilder MapDashboardsApi(this IEndpointRouteBuilder app)
    {
        var dashboards = app.MapGroup("/projects/{projectId:long}/dashboards").WithTags("Dashboards");
        dashboards.MapTiles();
        dashboards.MapLayouts();
        dashboards.MapFunnel();
        dashboards.MapInsights();
        return dashboards;
    }
}
