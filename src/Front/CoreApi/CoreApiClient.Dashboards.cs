namespace MultichannelMessages.Front.CoreApi;

// Dashboards (issue 16, docs/dashboards.md): the tile catalog, one tile's figures for a filter, the user's own layout
// (or the queue's default, or the built-in one), and a supervisor's publishing of a layout as a queue's default.
public sealed partial class CoreApiClient
{
    public Task<TileDefinition[]> DashboardCatalogAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<TileDefinition[]>($"projects/{projectId}/dashboards/catalog", ct);

    public Task<TileResult> DashboardTileAsync(long projectId, string key, DashboardFilter filter, CancellationToken ct = default) =>
        GetAsync<TileResult>($"projects/{projectId}/dashboards/tiles/{Uri.EscapeDataString(key)}?{Components.Dashboards.DashboardView.ApiQuery(filter)}", ct);

    /// <summary>The user's own layout; without one, <paramref name="queueId"/>'s published default, else the built-in one
    /// (<see cref="DashboardLayout.Source"/> says which).</summary>
    public Task<DashboardLayout> DashboardLayoutAsync(long projectId, long? queueId, CancellationToken ct = default) =>
        GetAsync<DashboardLayout>($"projects/{projectId}/dashboards/layout" + (queueId is { } q ? $"?queueId={q}" : ""), ct);

    public Task<DashboardLayout> SaveDashboardLayoutAsync(long projectId, LayoutTile[] tiles, CancellationToken ct = default) =>
        SendAsync<DashboardLayout>(HttpMethod.Put, $"projects/{projectId}/dashboards/layout", new DashboardLayout(tiles), ct);

    /// <summary>Forgets the user's own layout: the default shows again.</summary>
    public Task ResetDashboardLayoutAsync(long projectId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"projects/{projectId}/dashboards/layout", null, ct);

    public Task<FunnelDefinition> DashboardFunnelAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<FunnelDefinition>($"projects/{projectId}/dashboards/funnel", ct);

    /// <summary>Saves the funnel over the revision it was read at (dashboards.manage; a stale one: 409 funnel_conflict).</summary>
    public Task<FunnelDefinition> SaveDashboardFunnelAsync(long projectId, FunnelDefinition funnel, CancellationToken ct = default) =>
        SendAsync<FunnelDefinition>(HttpMethod.Put, $"projects/{projectId}/dashboards/funnel", funnel, ct);

    /// <summary>A queue's first-response target in business seconds (null: the default, one hour; dashboards.manage).</summary>
    public Task SetQueueSlaAsync(long projectId, long queueId, int? targetSeconds, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"projects/{projectId}/dashboards/queues/{queueId}/sla", new QueueSlaRequest(targetSeconds), ct);

    /// <summary>Publishes <paramref name="tiles"/> as the queue's default (dashboards.manage).</summary>
    public Task<DashboardLayout> PublishQueueLayoutAsync(long projectId, long queueId, LayoutTile[] tiles, CancellationToken ct = default) =>
        SendAsync<DashboardLayout>(HttpMethod.Put, $"projects/{projectId}/dashboards/queues/{queueId}/default-layout",
            new DashboardLayout(tiles, "queue", queueId), ct);
}

/// <summary>The dashboard permissions the module reads (the Core API's Permissions for dashboards).</summary>
public static class DashboardPermission
{
    /// <summary>Everyone's figures; without it, a person reads their own.</summary>
    public const string ReadAll = "dashboards.read_all";
    /// <summary>Publish a layout as a queue's default; configure the funnel.</summary>
    public const string Manage = "dashboards.manage";
}

// Insights (issue 16's Wisdom): the rules' insights for a filter and the AI's kept run; asking the AI for this period.
public sealed partial class CoreApiClient
{
    public Task<InsightsResult> DashboardInsightsAsync(long projectId, DashboardFilter filter, CancellationToken ct = default) =>
        GetAsync<InsightsResult>($"projects/{projectId}/dashboards/insights?{Components.Dashboards.DashboardView.ApiQuery(filter)}", ct);

    /// <summary>Asks the project's AI provider for insights on this filter (202: pending; the feed's insights_updated says when done).</summary>
    public Task<AiInsights> RequestDashboardAiInsightsAsync(long projectId, DashboardFilter filter, CancellationToken ct = default) =>
        SendAsync<AiInsights>(HttpMethod.Post, $"projects/{projectId}/dashboards/insights/ai?{Components.Dashboards.DashboardView.ApiQuery(filter)}", null, ct);
}
