namespace MultichannelMessages.Platform.Meta;

/// <summary>Channel names exactly as stored in the database (<c>meta.accounts.channel</c>).</summary>
public static class Channels
{
    public const string WhatsApp = "whatsapp";
    public const string Messenger = "messenger";
    public const string Instagram = "instagram";
}

/// <summary>
/// One message (inbound from a customer, or an echo of what the business sent) found in a webhook.
/// Rows are flat on purpose: each field is one column of the COPY staging table.
/// </summary>
public sealed record MessageRow
{
    public required string Channel { get; init; }
    /// <summary>WhatsApp phone_number_id, Facebook page id or Instagram account id: the business side.</summary>
    public required string AccountExternalId { get; init; }
    /// <summary>WhatsApp Business Account id (entry.id) for WhatsApp; null for Messenger/Instagram.</summary>
    public string? BusinessAccountId { get; init; }
    /// <summary>wa_id (phone or BSUID), PSID or IGSID: the customer side.</summary>
    public required string CustomerExternalId { get; init; }
    /// <summary>Business-scoped user id (WhatsApp <c>user_id</c>/<c>from_user_id</c>) when Meta sends one.</summary>
    public string? CustomerBsuid { get; init; }
    public string? CustomerName { get; init; }
    /// <summary>"in" for the customer's messages, "out" for echoes of what the business sent.</summary>
    public required string Direction { get; init; }
    public bool IsEcho { get; init; }
    /// <summary>wamid / mid; null when Meta gives none (Messenger reactions): then the event hash alone dedupes.</summary>
    public string? ProviderMessageId { get; init; }
    /// <summary>Meta's type name: text, image, audio, video, document, sticker, location, contacts, interactive,
    /// button, reaction, order, unsupported, edit, system, postback, quick_reply, story_reply, story_mention, …</summary>
    public required string Type { get; init; }
    /// <summary>What a person reads in the thread: text body, caption, button title, emoji, location name.</summary>
    public string? Body { get; init; }
    /// <summary>Message id this one replies to, reacts to or edits (context.id, reply_to.mid, reaction.message_id).</summary>
    public string? ReplyToProviderId { get; init; }
    /// <summary>The message object exactly as Meta sent it (JSON text), kept for everything not in a column.</summary>
    public required string PayloadJson { get; init; }
    /// <summary>Provider timestamp; null when missing (the database then uses the time the event was received).</summary>
    public DateTimeOffset? OccurredAt { get; init; }
    public int? ErrorCode { get; init; }
    public string? ErrorTitle { get; init; }
}

/// <summary>A media attachment of a message (one WhatsApp media object, or one Messenger/Instagram attachment).</summary>
public sealed record MediaRow
{
    public required string Channel { get; init; }
    public required string AccountExternalId { get; init; }
    public required string ProviderMessageId { get; init; }
    public int Ordinal { get; init; }
    /// <summary>image, audio, video, document, sticker, file, story_mention, …</summary>
    public required string Kind { get; init; }
    public string? ProviderMediaId { get; init; }
    public string? MimeType { get; init; }
    public string? Sha256 { get; init; }
    public string? Url { get; init; }
    public string? FileName { get; init; }
    public string? Caption { get; init; }
}

/// <summary>
/// A delivery state change: WhatsApp statuses[], Messenger/Instagram delivery and read, deletions (revoke,
/// Instagram <c>is_deleted</c>). Either <see cref="ProviderMessageId"/> or <see cref="Watermark"/> is set.
/// </summary>
public sealed record StatusRow
{
    public required string Channel { get; init; }
    public required string AccountExternalId { get; init; }
    public string? BusinessAccountId { get; init; }
    public string? ProviderMessageId { get; init; }
    /// <summary>sent, delivered, read, played, failed, deleted.</summary>
    public required string Status { get; init; }
    /// <summary>Customer id (WhatsApp recipient_id, Messenger sender of a read/delivery). May be absent.</summary>
    public string? CustomerExternalId { get; init; }
    /// <summary>Messenger watermark: every message sent before it has reached this status.</summary>
    public DateTimeOffset? Watermark { get; init; }
    public DateTimeOffset? OccurredAt { get; init; }
    public int? ErrorCode { get; init; }
    public string? ErrorTitle { get; init; }
    public string? ErrorDetails { get; init; }
    /// <summary>WhatsApp pricing object as JSON text.</summary>
    public string? PricingJson { get; init; }
    /// <summary>WhatsApp conversation object (id, origin.type, expiration_timestamp) as JSON text.</summary>
    public string? ConversationJson { get; init; }
    public required string PayloadJson { get; init; }
}

/// <summary>
/// An event about the business account rather than a conversation: template status/category/quality/components
/// updates, phone number quality updates, account updates, and value-level errors with no message or status.
/// </summary>
public sealed record BusinessEventRow
{
    /// <summary>template, quality, capability, account, preference (a customer's user_preferences), error.</summary>
    public required string Kind { get; init; }
    /// <summary>The webhook <c>field</c> (message_template_status_update, phone_number_quality_update, …).</summary>
    public required string Field { get; init; }
    public string? BusinessAccountId { get; init; }
    public string? AccountExternalId { get; init; }
    /// <summary>APPROVED, REJECTED, FLAGGED, UPGRADE, ACCOUNT_VIOLATION, or the error code for errors.</summary>
    public string? Event { get; init; }
    public string? TemplateId { get; init; }
    public string? TemplateName { get; init; }
    public string? Language { get; init; }
    /// <summary>Rejection reason, new category/quality score, error title.</summary>
    public string? Reason { get; init; }
    public string? DisplayPhoneNumber { get; init; }
    public string? CurrentLimit { get; init; }
    /// <summary>The customer a preference is about (wa_id).</summary>
    public string? CustomerExternalId { get; init; }
    public DateTimeOffset? OccurredAt { get; init; }
    public required string PayloadJson { get; init; }
}

/// <summary>Everything one webhook body turned into. Parsing never throws; what it could not read is in
/// <see cref="Error"/> (nothing usable) or <see cref="Unhandled"/> (the rest was read).</summary>
public sealed class ParsedWebhook
{
    /// <summary>The top-level <c>object</c> (whatsapp_business_account, page, instagram), if readable.</summary>
    public string? ObjectKind { get; set; }
    public List<MessageRow> Messages { get; } = [];
    public List<MediaRow> Media { get; } = [];
    public List<StatusRow> Statuses { get; } = [];
    public List<BusinessEventRow> BusinessEvents { get; } = [];
    /// <summary>Parts of a readable body that the platform does not normalize (e.g. "field:calls", "messaging:optin").</summary>
    public List<string> Unhandled { get; } = [];
    /// <summary>Why the body could not be read at all (invalid JSON, unknown object); null when it could.</summary>
    public string? Error { get; set; }

    public bool IsEmpty => Messages.Count == 0 && Statuses.Count == 0 && BusinessEvents.Count == 0;
}
