using System.Text.Json;
using MultichannelMessages.Front.Auth;

namespace MultichannelMessages.Front.CoreApi;

// The Core API's answers as the console reads them (JSON, camelCase). Only what the console shows.

public sealed record TokenResponse(string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken,
    DateTimeOffset RefreshTokenExpiresAt, long UserId, string DisplayName)
{
    public TokenSet ToTokenSet() => new(AccessToken, AccessTokenExpiresAt, RefreshToken, RefreshTokenExpiresAt);
}

public sealed record ModuleItem(string Key, bool Enabled);

public sealed record ProjectItem(long Id, string Name, string Role, string[] Permissions, ModuleItem[] Modules)
{
    public bool Can(string permission) => Permissions.Contains(permission);
}

public sealed record Profile(long UserId, string DisplayName, string Email, string? Language, string? Theme, ProjectItem[] Projects);

public sealed record QueueItem(long Id, string Name);

public sealed record ConversationItem(long Id, string Channel, long AccountId, string AccountName, long ContactId, string? ContactName,
    string ContactExternalId, long? QueueId, long? AssignedUserId, string Status, DateTime LastMessageAt, string? LastMessagePreview,
    string? LastMessageDirection, string? LastMessageType, int UnreadCount, DateTime? LastInboundAt)
{
    /// <summary>When the customer-service window closes, as the Core API computed it (24 h; 7 days with the HUMAN_AGENT tag
    /// on Messenger/Instagram; earlier when Meta refused a send with 131047).</summary>
    public DateTime? WindowExpiresAt { get; init; }

    public DateTime? WindowClosesAt => WindowExpiresAt ?? LastInboundAt?.AddHours(24);
}

public sealed record Page<T>(T[] Items, string? Next);

/// <summary>Status: pending (the Worker has not fetched it yet), stored, or failed; null from older answers means stored.</summary>
public sealed record MediaRef(long Id, string Kind, string? MimeType, string? FileName, string? Caption, string? Status = null)
{
    public bool Ready => Status is null or "stored";
}

public sealed record MessageItem(long Id, string Direction, string Type, string? Body, string Status, DateTime OccurredAt,
    int? ErrorCode, string? ErrorTitle, string? ReplyToProviderId, DateTime? DeletedAt, string? ClientMessageId,
    long? SentByUserId, string Media)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The thread's media references (chat.thread_page returns them as a JSON array).</summary>
    public IReadOnlyList<MediaRef> MediaRefs() =>
        string.IsNullOrEmpty(Media) || Media == "[]" ? [] : JsonSerializer.Deserialize<MediaRef[]>(Media, Json) ?? [];
}

public sealed record SendResponse(long MessageId, bool Created, string Status);

public sealed record HistoryItem(long ConversationId, string AccountName, string Status, DateTime CreatedAt, DateTime? LastMessageAt, long MessageCount,
    string? Tags = null);

public sealed record ContactContext(long ContactId, string Channel, string? DisplayName, string ExternalId, string? Bsuid, string? Phone,
    DateTime FirstSeenAt, string AccountName, DateTime ConversationCreatedAt, string Status, long? QueueId, long? AssignedUserId,
    HistoryItem[] History, Dictionary<string, string>? Attributes = null);

public sealed record Heartbeat(string WorkerId, string Loop, DateTime BeatAt, string? Details, double SecondsSince);

public sealed record DeadLetter(long Id, long OutboxId, long? MessageId, long? ConversationId, string Reason, int? ErrorCode, int Attempts,
    DateTime CreatedAt);

/// <summary>One ops.change_feed row pushed by the hub (see the Core API's ChangeItem).</summary>
public sealed record ChangeItem(long Id, long ProjectId, string Kind, long? ConversationId, long? MessageId, long? QueueId,
    long? AssignedUserId, string? MessageStatus, string? MessageDirection, string? MessageBody, DateTime? MessageOccurredAt,
    int? ErrorCode, string? ErrorTitle, int? UnreadCount, string? LastMessagePreview, DateTime? LastMessageAt,
    JsonElement? Details = null);

public static class Permission
{
    public const string Reply = "conversations.reply";
    public const string ReadAllQueues = "conversations.read_all_queues";
    public const string ReadOps = "ops.read";
    public const string Take = "conversations.take";
    public const string Assign = "conversations.assign";
    public const string ManageTags = "tags.manage";
    public const string ReadPresence = "presence.read";
    public const string RevokeLocks = "locks.revoke";
    public const string Initiate = "conversations.initiate";
    public const string RecordConsent = "consent.record";
    public const string ConfigureProject = "project.configure";
}
