using System.Text.Json;
using MultichannelMessages.Contracts.Realtime;

namespace MultichannelMessages.CoreApi.Realtime;

/// <summary>Who may receive a change (the record itself is the shared wire type).</summary>
public static class ChangeVisibility
{
    /// <summary>Whether this user may receive the change: internal chat by membership, everything else by the same
    /// rule as the conversation list.</summary>
    public static bool VisibleTo(this ChangeItem change, Access.ProjectAccess project, long userId) =>
        change.RecipientUserIds is { } recipients
            ? recipients.Contains(userId) && (change.Kind != "internal_message" || project.Can(Access.Permissions.InternalChat))
            : project.CanSee(change.QueueId, change.AssignedUserId, userId);
}

/// <summary>The feed row as read: a class with setters, because Dapper cannot pass a bigint[] (read as an Array) to a
/// constructor; details arrive as JSON text.</summary>
internal sealed class ChangeRow
{
    public long Id { get; init; }
    public long ProjectId { get; init; }
    public string Kind { get; init; } = "";
    public long? ConversationId { get; init; }
    public long? MessageId { get; init; }
    public long? QueueId { get; init; }
    public long? AssignedUserId { get; init; }
    public string? MessageStatus { get; init; }
    public string? MessageDirection { get; init; }
    public string? MessageBody { get; init; }
    public DateTime? MessageOccurredAt { get; init; }
    public int? ErrorCode { get; init; }
    public string? ErrorTitle { get; init; }
    public int? UnreadCount { get; init; }
    public string? LastMessagePreview { get; init; }
    public DateTime? LastMessageAt { get; init; }
    public string? Details { get; init; }
    public long[]? RecipientUserIds { get; init; }

    public ChangeItem ToItem() => new(Id, ProjectId, Kind, ConversationId, MessageId, QueueId, AssignedUserId, MessageStatus,
        MessageDirection, MessageBody, MessageOccurredAt, ErrorCode, ErrorTitle, UnreadCount, LastMessagePreview, LastMessageAt,
        Details is null ? null : JsonDocument.Parse(Details).RootElement.Clone(), RecipientUserIds);
}

/// <summary>Who may receive a change: groups mirror the visibility rule of the conversation list.</summary>
public static class ChangeGroups
{
    public static string AllQueues(long projectId) => $"p{projectId}:all";
    public static string Queue(long projectId, long queueId) => $"p{projectId}:q{queueId}";
    public static string Unrouted(long projectId) => $"p{projectId}:unrouted";
    public static string Assignee(long projectId, long userId) => $"p{projectId}:u{userId}";

    /// <summary>The groups a connection of this user joins in this project: what their grants let them see.</summary>
    public static IReadOnlySet<string> Member(Access.ProjectAccess project, long userId)
    {
        var groups = new HashSet<string> { Unrouted(project.ProjectId), Assignee(project.ProjectId, userId) };
        if (project.Can(Access.Permissions.ReadAllQueues)) groups.Add(AllQueues(project.ProjectId));
        else groups.UnionWith(project.QueueIds.Select(q => Queue(project.ProjectId, q)));
        return groups;
    }

    public static IReadOnlyList<string> For(ChangeItem change)
    {
        // Internal chat goes to its room's members only (every console joins its user's group).
        if (change.RecipientUserIds is { } recipients) return recipients.Select(u => Assignee(change.ProjectId, u)).ToArray();
        var groups = new List<string>(3)
        {
            AllQueues(change.ProjectId),
            change.QueueId is { } queue ? Queue(change.ProjectId, queue) : Unrouted(change.ProjectId),
        };
        if (change.AssignedUserId is { } user) groups.Add(Assignee(change.ProjectId, user));
        return groups;
    }
}
