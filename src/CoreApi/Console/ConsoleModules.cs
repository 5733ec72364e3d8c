using MultichannelMessages.CoreApi.Access;

namespace MultichannelMessages.CoreApi.Console;

/// <summary>The console's modules and the permission each needs. Whether a module is on for a project is data
/// (core.console_features); who may open it is the role's permissions — both decided here, so every console
/// (and any other client) shows the same navigation.</summary>
public static class ConsoleModules
{
    public static readonly IReadOnlyList<(string Key, string Permission)> All =
    [
        ("chats", Permissions.ReadConversations),
        // Every role reads dashboards (an agent their own figures); the team's figures need dashboards.read_all.
        ("dashboard", Permissions.ReadDashboards),
        // Every role reads agents' configuration (ai.read); writing it is ai.manage, which the page checks per action.
        ("ai_agents", Permissions.ReadAi),
        // Every role reads flows (bots.read); writing them is bots.manage, which the page checks per action.
        ("chatbots", Permissions.ReadBots),
        ("templates", Permissions.ManageTemplates),
        ("mass_sends", Permissions.ReadCampaigns),
        // Every role reads number health (health.read), agents included, who may not open Mass sends: the panel is its
        // own module as well as a tab of Mass sends, so an agent sees why a number is limited without seeing campaigns.
        ("number_health", Permissions.ReadHealth),
        ("calls", Permissions.ReadConversations),
        ("internal_chat", Permissions.ReadConversations),
        ("admin", Permissions.ManageQueues),
        ("ops", Permissions.ReadOps),
    ];

    /// <summary>The modules this version of the platform has; the others are switches waiting for their release
    /// (Admin → Modules says so instead of a checklist).</summary>
    public static readonly IReadOnlySet<string> Built = new HashSet<string> { "chats", "dashboard", "ai_agents", "chatbots", "templates", "mass_sends", "number_health", "calls", "internal_chat", "admin", "ops" };
}
