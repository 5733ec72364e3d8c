using MultichannelMessages.Platform.Meta;

namespace MultichannelMessages.WebhookApi.Ingestion;

/// <summary>A raw event that has committed and waits for its normalization: its id, what the parser made of its body,
/// and the request waiting for it in Normalized mode (null otherwise, and for an event found after a crash).</summary>
public sealed record PendingEvent(long EventId, DateTimeOffset ReceivedAt, long? AppId, ParsedWebhook Parsed,
    TaskCompletionSource? Normalized = null);
