using System.Text.Json;

namespace MultichannelMessages.Front.CoreApi;

// The shared-inbox answers (src/CoreApi/Collaboration) as the console reads them.

public sealed record LockView(long OwnerUserId, string OwnerName, DateTime TakenAt, DateTime ExpiresAt, bool Mine);

public sealed record WorkEvent(long Id, string Action, long? ActorUserId, string? ActorName, long? QueueId, string? QueueName,
    long? UserId, string? UserName, DateTime CreatedAt);

public sealed record ConversationTag(long Id, string Name, string Color, long? AddedBy, DateTime AddedAt);

public sealed record CatalogTag(long Id, string Name, string Color, int Conversations);

public sealed record Note(long Id, long AuthorUserId, string AuthorName, string Body, DateTime CreatedAt);

public sealed record ProjectMember(long UserId, string DisplayName, string Role);

public sealed record MyPresence(string Status);

public sealed record TeamMember(long UserId, string DisplayName, string Role, string Status, DateTime? ChangedAt, DateTime? LastSeenAt,
    int OpenConversations);

public sealed record SnippetPart(string Text, bool Match);

public sealed record SearchHit(string Kind, long ConversationId, string Channel, string? ContactName, string ContactExternalId, long? QueueId,
    string Status, long? MessageId, long? NoteId, string? Direction, SnippetPart[] Snippet, DateTime? OccurredAt);

public sealed record SearchQuery(string Text, string? Channel = null, long? QueueId = null, long? TagId = null, DateOnly? From = null,
    DateOnly? To = null, string? Status = null)
{
    public string ToQueryString()
    {
        var parts = new List<string> { "q=" + Uri.EscapeDataString(Text) };
        if (Channel is { Length: > 0 }) parts.Add("channel=" + Channel);
        if (QueueId is { } q) parts.Add("queueId=" + q);
        if (TagId is { } t) parts.Add("tagId=" + t);
        if (From is { } f) parts.Add("from=" + f.ToString("yyyy-MM-dd"));
        if (To is { } to) parts.Add("to=" + to.ToString("yyyy-MM-dd"));
        if (Status is { Length: > 0 }) parts.Add("status=" + Status);
        return string.Join('&', parts);
    }
}

public sealed record RoomItem(long Id, string Kind, string? Name, int Members, DateTime? LastMessageAt, string? LastMessagePreview);

public sealed record RoomCreated(long Id);

public sealed record InternalMessage(long Id, long AuthorUserId, string AuthorName, string Body, DateTime CreatedAt,
    long? CardConversationId, string? CardContactName, string? CardChannel);

/// <summary>Reads the details of the collaboration changes (see the Core API's ChangeItem).</summary>
public static class ChangeDetails
{
    public static string? Text(this ChangeItem change, string name) =>
        change.Details is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString() : null;

    public static long? Number(this ChangeItem change, string name) =>
        change.Details is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.GetInt64() : null;
}
