using MultichannelMessages.Front.Components.Calls;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Components.Chats;

/// <summary>
/// One message as the thread shows it. Mutable on purpose: an optimistic send becomes the stored message, and
/// status pushes move its ticks, without rebuilding the thread. <c>Refusal</c> is set when the Core API refused the
/// send (nothing reached Meta); a Meta failure is <c>Status == "failed"</c> with Meta's code and title.
/// </summary>
public sealed class Bubble
{
    public long Id { get; set; }
    public required string Direction { get; init; }
    public required string Type { get; set; }
    public string? Body { get; init; }
    public required string Status { get; set; }
    public DateTime OccurredAt { get; init; }
    public int? ErrorCode { get; set; }
    public string? ErrorTitle { get; set; }
    public IReadOnlyList<MediaRef> Media { get; set; } = [];
    public string? ClientMessageId { get; init; }
    public string? Refusal { get; set; }
    public bool Retried { get; set; }
    /// <summary>What AI made of the file (a transcript, a description, a document's text); the Worker may add it after
    /// the bubble is shown.</summary>
    public string? AiText { get; set; }
    public string? AiTextKind { get; set; }
    /// <summary>The AI agent that wrote the message (null: not an agent).</summary>
    public string? AiAgentName { get; set; }
    /// <summary>A call's event (type call): the call as it stands (calls.touch's payload), refilled as it progresses.</summary>
    public CallCard? Call { get; set; }

    public bool Outbound => Direction == "out";
    public bool Pending => Id <= 0;

    public static Bubble From(MessageItem m) => new()
    {
        Id = m.Id, Direction = m.Direction, Type = m.Type, Body = m.Body, Status = m.Status, OccurredAt = m.OccurredAt,
        ErrorCode = m.ErrorCode, ErrorTitle = m.ErrorTitle, Media = m.MediaRefs(), ClientMessageId = m.ClientMessageId,
        AiText = m.AiText, AiTextKind = m.AiTextKind, AiAgentName = m.SentByAiAgentId is null ? null : m.SentByAiAgentName ?? "",
        Call = CallCard.Parse(m.Call),
    };

    public static Bubble From(ChangeItem c) => new()
    {
        // A call's event has no text; its preview says what it is ([call:ringing]) until the bubble is read again.
        Id = c.MessageId ?? 0, Direction = c.MessageDirection ?? "in",
        Type = c.MessageBody is null && c.LastMessagePreview?.StartsWith("[call:", StringComparison.Ordinal) == true ? "call" : "text", Body = c.MessageBody, Status = c.MessageStatus ?? "received",
        OccurredAt = c.MessageOccurredAt ?? DateTime.UtcNow, ErrorCode = c.ErrorCode, ErrorTitle = c.ErrorTitle,
    };

    private static long _nextPendingId;

    /// <summary>The bubble an agent's send shows at once, before the Core API has answered.</summary>
    public static Bubble Optimistic(string text, string clientMessageId) => new()
    {
        Id = -Interlocked.Increment(ref _nextPendingId), Direction = "out", Type = "text", Body = text, Status = "queued",
        OccurredAt = DateTime.UtcNow, ClientMessageId = clientMessageId,
    };
}
