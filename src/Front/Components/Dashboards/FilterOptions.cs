using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Components.Dashboards;

/// <summary>What each filter offers, read once when the dashboard opens: each list the person's role may read (an empty
/// list hides its filter).</summary>
public sealed record FilterOptions(IReadOnlyList<(long Id, string Name)> Accounts, IReadOnlyList<(long Id, string Name)> Queues,
    IReadOnlyList<(long Id, string Name)> Agents, IReadOnlyList<(long Id, string Name)> Campaigns, IReadOnlyList<(long Id, string Name)> Flows,
    IReadOnlyList<(long Id, string Name)> AiAgents)
{
    public static readonly FilterOptions None = new([], [], [], [], [], []);

    /// <summary>The lists, each only with the permission that reads it (agents' names with dashboards.read_all: an agent
    /// reads their own figures only); a list the Core API refuses is left empty.</summary>
    public static async Task<FilterOptions> ReadAsync(CoreApiClient api, ProjectItem project)
    {
        var id = project.Id;
        return new FilterOptions(
            await Read(true, () => api.AccountsAsync(id), a => (a.Id, a.Name)),
            await Read(true, () => api.QueuesAsync(id), q => (q.Id, q.Name)),
            await Read(project.Can(DashboardPermission.ReadAll), () => api.MembersAsync(id), m => (m.UserId, m.DisplayName)),
            await Read(project.Can(Permission.ReadCampaigns), () => api.CampaignsAsync(id), c => (c.Id, c.Name)),
            await Read(project.Can(BotPermission.Read), () => api.FlowsAsync(id), f => f.Archived ? null : (f.Id, f.Name)),
            await Read(project.Can(AiPermission.Read), () => api.AgentsAsync(id), a => a.Archived ? null : (a.Id, a.Name)));
    }

    private static async Task<IReadOnlyList<(long, string)>> Read<T>(bool allowed, Func<Task<T[]>> read, Func<T, (long, string)?> pick)
    {
        if (!allowed) return [];
        try { return [.. (await read()).Select(pick).OfType<(long, string)>()]; }
        catch (CoreApiException) { return []; }
    }
}
