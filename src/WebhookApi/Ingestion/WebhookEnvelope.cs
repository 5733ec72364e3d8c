using MultichannelMessages.Platform.Meta;

namespace MultichannelMessages.WebhookApi.Ingestion;

/// <summary>One signed POST on its way to the database: the exact bytes, their hash and what the parser made of them.</summary>
public sealed class WebhookEnvelope
{
    public required byte[] Body { get; init; }
    public required byte[] EventHash { get; init; }
    public long? AppId { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public required ParsedWebhook Parsed { get; init; }

    /// <summary>Completed when the batch holding this event commits (Durable mode); null in Fast mode.</summary>
    public TaskCompletionSource? Committed { get; init; }

    /// <summary>Set when normalized rows could not be stored: the event is then kept raw with this reason.</summary>
    public string? IngestError { get; set; }
}
