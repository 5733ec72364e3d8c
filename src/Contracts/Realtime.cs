using System.Text.Json;

namespace MultichannelMessages.Contracts.Realtime;

/// <summary>One ops.change_feed row as the console receives it. Id is the feed sequence: a client that reconnects
/// asks for what it missed after the last id it saw, and drops ids it already has. Details carries what a kind
/// needs beyond the conversation and message (lock_changed: action and owner; note_added: the note id;
/// internal_message: the message; contact_updated: the contact id; media_ready: the media id and status; ai_changed: the
/// conversation's AI state and reason, or the approval decided, with who did it).
/// RecipientUserIds is set when only some users may receive it (internal chat: the room's members; a read: the
/// reader).</summary>
public sealed record ChangeItem(long Id, long ProjectId, string Kind, long? ConversationId, long? MessageId, long? QueueId,
    long? AssignedUserId, string? MessageStatus, string? MessageDirection, string? MessageBody, DateTime? MessageOccurredAt,
    int? ErrorCode, string? ErrorTitle, int? UnreadCount, string? LastMessagePreview, DateTime? LastMessageAt,
    JsonElement? Details = null, long[]? RecipientUserIds = null);
