namespace MultichannelMessages.Contracts.Collaboration;

// Working one conversation as a team: its lock, assignee, queue, tags, notes and history.

public sealed record LockView(long OwnerUserId, string OwnerName, DateTime TakenAt, DateTime ExpiresAt, bool Mine);

public sealed record LockEvent(long Id, string Action, long OwnerUserId, string OwnerName, long? ActorUserId, string? ActorName, DateTime CreatedAt);

public sealed record AssignRequest(long? UserId);

public sealed record TransferRequest(long? QueueId, long? UserId);

/// <summary>A tag on a conversation.</summary>
public sealed record ConversationTag(long Id, string Name, string Color, long? AddedBy, DateTime AddedAt);

public sealed record NoteRequest(string? Text);

public sealed record NoteItem(long Id, long AuthorUserId, string AuthorName, string Body, DateTime CreatedAt);

/// <summary>One event of a conversation's work history (taken, assigned, transferred, resolved…).</summary>
public sealed record WorkEvent(long Id, string Action, long? ActorUserId, string? ActorName, long? QueueId, string? QueueName,
    long? UserId, string? UserName, DateTime CreatedAt);

public sealed record AttributesRequest(Dictionary<string, string?>? Attributes);
