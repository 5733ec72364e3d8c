namespace MultichannelMessages.Worker.Media;

/// <summary>A chat.media row claimed by chat.claim_media_downloads.</summary>
public sealed class MediaDownloadItem
{
    public long MediaId { get; init; }
    /// <summary>Claims so far, this one included.</summary>
    public int AttemptCount { get; init; }
    public long ProjectId { get; init; }
    public long MessageId { get; init; }
    public long ConversationId { get; init; }
    public long AccountId { get; init; }
    public string Channel { get; init; } = "";
    /// <summary>AES-GCM ciphertext; decrypted only for the request, never logged.</summary>
    public byte[]? AccessTokenEnc { get; init; }
    public string Kind { get; init; } = "";
    /// <summary>WhatsApp: Meta's media id, resolved through GET /{version}/{media-id}.</summary>
    public string? ProviderMediaId { get; init; }
    /// <summary>Messenger/Instagram: the attachment's direct URL from the webhook.</summary>
    public string? Url { get; init; }
    public string? MimeType { get; init; }
    /// <summary>The hash the webhook announced (WhatsApp: base64), checked against the bytes.</summary>
    public string? Sha256 { get; init; }
    public DateTime? DueAt { get; init; }
}
