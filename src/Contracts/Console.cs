namespace MultichannelMessages.Contracts.Console;

// The signed-in user (GET /me) and the operations rail's customer context.

public sealed record ModuleItem(string Key, bool Enabled);

/// <summary>A project as the console sees it: the caller's role, permissions and the modules the role may open.</summary>
public sealed record ProjectItem(long Id, string Name, string Role, IReadOnlyCollection<string> Permissions, ModuleItem[] Modules);

public sealed record Profile(long UserId, string DisplayName, string Email, string? Language, string? Theme, ProjectItem[] Projects)
{
    /// <summary>A platform operator: the console offers the Platform page (projects across tenants).</summary>
    public bool IsOperator { get; init; }
}

public sealed record PreferencesRequest(string? Language, string? Theme);

/// <summary>One prerequisite of a module (Admin → Modules): <paramref name="Key"/> names it (whatsapp_account,
/// approved_marketing_template…), the console words it.</summary>
public sealed record ModuleCheck(string Key, bool Ok);

/// <summary>A module's switch and readiness for a project. <paramref name="Built"/>: this version has the module
/// (later releases bring the rest); <paramref name="Ready"/>: built and every check passes.</summary>
public sealed record ModuleStatus(string Key, bool Enabled, bool Built, bool Ready, ModuleCheck[] Checks);

public sealed record ModuleSwitchRequest(bool? Enabled);

/// <summary>One of the customer's conversations, with its tags (names, comma-separated).</summary>
public sealed record ContactHistoryItem(long ConversationId, string AccountName, string Status, DateTime CreatedAt, DateTime? LastMessageAt,
    long MessageCount, string? Tags);

public sealed record ContactContext(long ContactId, string Channel, string? DisplayName, string ExternalId, string? Bsuid, string? Phone,
    DateTime FirstSeenAt, string AccountName, DateTime ConversationCreatedAt, string Status, long? QueueId, long? AssignedUserId)
{
    public ContactHistoryItem[] History { get; init; } = [];

    /// <summary>Custom attributes agents set on the customer (plan, language…), which routing rules read.</summary>
    public Dictionary<string, string> Attributes { get; init; } = [];
}
