namespace MultichannelMessages.CoreApi.Realtime;

/// <summary>One ops.change_feed row as the console receives it. Id is the feed sequence: a client that reconnects
/// asks for what it missed after the last id it saw, and drops ids it already has.</summary>
public sealed record ChangeItem(long Id, long ProjectId, string Kind, long? ConversationId, long? MessageId, long? QueueId,
    long? AssignedUserId, string? MessageStatus, string? MessageDirection, string? MessageBody, DateTime? MessageOccurredAt,
    int? ErrorCode, string? ErrorTitle, int? UnreadCount, string? LastMessagePreview, DateTime? LastMessageAt);

/// <summary>Who may receive a change: groups mirror the visibility rule of the conversation list.</summary>
public static class ChangeGroups
{
    public static string AllQueues(long projectId) => $"p{projectId}:all";
    public static string Queue(long projectId, long queueId) => $"p{projectId}:q{queueId}";
    public static string Unrouted(long projectId) => $"p{projectId}:unrouted";
    public static string Assignee(long projectId, long userId) => $"p{projectId}:u{userId}";

    public static IReadOnlyList<string> For(ChangeItem change)
    {
        var groups = new List<string>(3)
        {
            AllQueues(change.ProjectId),
            change.QueueId is { } queue ? Queue(change.ProjectId, queue) : Unrouted(change.ProjectId),
        };
        if (change.AssignedUserId is { } user) groups.Add(Assignee(change.ProjectId, user));
        return groups;
    }
}
