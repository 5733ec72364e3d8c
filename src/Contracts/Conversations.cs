namespace MultichannelMessages.Contracts.Conversations;

// DateTime, not DateTimeOffset: Npgsql reads timestamptz as UTC DateTime, and Dapper matches constructor types exactly.
public sealed record ConversationItem(long Id, string Channel, long AccountId, string AccountName, long ContactId, string? ContactName,
    string ContactExternalId, long? QueueId, long? AssignedUserId, string Status, DateTime LastMessageAt,
    string? LastMessagePreview, string? LastMessageDirection, string? LastMessageType, int UnreadCount, DateTime? LastInboundAt,
    DateTime? WindowExpiresAt)
{
    /// <summary>When Meta's customer-service window closes (null: the customer never wrote): 24 hours after the
    /// customer's last message, 7 days on Messenger/Instagram where the project uses the HUMAN_AGENT tag, earlier
    /// if Meta refused a send with 131047 (chat.window_expires_at). Kept under its first name for older clients.</summary>
    public DateTime? WindowClosesAt => WindowExpiresAt;
}

/// <summary>A page of a list; <c>Next</c> is the opaque cursor of the following page (null on the last).</summary>
public sealed record Page<T>(T[] Items, string? Next);

/// <summary>Media: the thread's media references as a JSON array (see <see cref="MediaRef"/>).</summary>
/// <param name="AiText">What AI made of the message's file (chat.messages.ai_text): a voice note's transcript, a
/// photo's description or a document's text; null until the Worker has it (a <c>message_updated</c> change says when).</param>
/// <param name="AiTextKind">transcript, description or document.</param>
/// <param name="SentByAiAgentId">The AI agent that wrote this message (null: a person, the customer or the system).</param>
/// <param name="SentByAiAgentName">That agent's name.</param>
public sealed record MessageItem(long Id, string Direction, string Type, string? Body, string Status, DateTime OccurredAt,
    int? ErrorCode, string? ErrorTitle, string? ReplyToProviderId, DateTime? DeletedAt, string? ClientMessageId,
    long? SentByUserId, string Media, string? AiText = null, string? AiTextKind = null, long? SentByAiAgentId = null,
    string? SentByAiAgentName = null, string? Call = null);

/// <summary>One element of <see cref="MessageItem.Media"/> (chat.message_media). Status: pending (the Worker has not
/// fetched it yet), stored, or failed; absent from older rows, which means stored.</summary>
public sealed record MediaRef(long Id, string Kind, string? MimeType, string? FileName, string? Caption, string? Status = null);

public sealed record SendRequest(string? Text, string? ClientMessageId);

public sealed record SendResponse(long MessageId, bool Created, string Status);

public sealed record MediaSendResponse(long MessageId, long MediaId, bool Created, string Status);

public sealed record MediaPending(long MediaId, string Status);
