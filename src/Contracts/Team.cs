namespace MultichannelMessages.Contracts.Team;

// The team around the inbox: presence, queues and their members, routing rules, the tag catalog.

public sealed record PresenceRequest(string? Status);

public sealed record PresenceItem(long UserId, string DisplayName, string Role, string Status, DateTime? ChangedAt, DateTime? LastSeenAt,
    int OpenConversations);

public sealed record MyPresence(string Status);

public sealed record ProjectMember(long UserId, string DisplayName, string Role);

public sealed record QueueRequest(string? Name, bool? AutoAssign, int? MaxOpenPerAgent);

public sealed record QueueDetail(long Id, string Name, bool AutoAssign, int MaxOpenPerAgent);

public sealed record QueueSetting(long Id, string Name, bool AutoAssign, int MaxOpenPerAgent, int Members);

public sealed record MemberItem(long UserId, string DisplayName, DateTime? LastAssignedAt);

public sealed record RuleRequest(long? QueueId, int? Position, string? Channel, string? Keyword, string? AttributeKey, string? AttributeValue);

public sealed record RuleItem(long Id, long QueueId, int Position, string? Channel, string? Keyword, string? AttributeKey, string? AttributeValue);

public sealed record TagRequest(string? Name, string? Color);

/// <summary>A tag of the project's catalog, with how many conversations carry it.</summary>
public sealed record CatalogTag(long Id, string Name, string Color, int Conversations);
