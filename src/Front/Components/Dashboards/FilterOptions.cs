namespace MultichannelMessages.Front.Components.Dashboards;

/// <summary>What each filter offers, read once when the dashboard opens: each list the person's role may read (an empty
/// list hides its filter).</summary>
public sealed record FilterOptions(IReadOnlyList<(long Id, string Name)> Accounts, IReadOnlyList<(long Id, string Name)> Queues,
    IReadOnlyList<(long Id, string Name)> Agents, IReadOnlyList<(long Id, string Name)> Campaigns, IReadOnlyList<(long Id, string Name)> Flows,
    IReadOnlyList<(long Id, string Name)> AiAgents)
{
    public static readonly FilterOptions None = new([], [], [], [], [], []);
}
