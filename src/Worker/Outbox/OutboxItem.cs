using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Outbox;

/// <summary>A row claimed by ops.claim_outbox: the lease is ours until <see cref="LeaseDeadline"/>.</summary>
public sealed class OutboxItem
{
    public long OutboxId { get; init; }
    /// <summary>Claims so far, this one included.</summary>
    public int AttemptCount { get; init; }
    public long ProjectId { get; init; }
    public long MessageId { get; init; }
    public long AccountId { get; init; }
    public string Channel { get; init; } = "";
    public string AccountExternalId { get; init; } = "";
    /// <summary>AES-GCM ciphertext; decrypted only for the request, never logged.</summary>
    public byte[]? AccessTokenEnc { get; init; }
    /// <summary>The account's throughput from meta.accounts; null: the configured default.</summary>
    public double? MessagesPerSecond { get; init; }
    public string Recipient { get; init; } = "";
    public string Type { get; init; } = "";
    public string? Body { get; init; }
    public string? Payload { get; init; }
    public string? ClientMessageId { get; init; }
    /// <summary>When the row became due (its next_attempt_at): the claim's queue lag.</summary>
    public DateTime? DueAt { get; init; }
    /// <summary>A previous holder started a send and never recorded its outcome (it died mid-request): Meta may
    /// have the message already.</summary>
    public bool InDoubt { get; init; }
    /// <summary>Milliseconds since the in-doubt send started (database clock).</summary>
    public long? InDoubtAgeMs { get; init; }

    /// <summary>Monotonic timestamp (TimeProvider) taken before the claim query was sent: the lease certainly
    /// lasts until this plus the lease length, whatever the query's latency.</summary>
    public long ClaimStartedAt { get; set; }
    /// <summary>Monotonic timestamp when the claim returned (start of the claim→request latency).</summary>
    public long ClaimedAt { get; set; }

    /// <summary>The callback data is our message id: a status webhook then names the message it is about.</summary>
    public OutboundMessage ToMessage() => new(Channel, AccountExternalId, Recipient, Type, Body, Payload,
        MessageId.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
