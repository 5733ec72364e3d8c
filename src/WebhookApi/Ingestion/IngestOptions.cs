using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.WebhookApi.Ingestion;

public enum AckMode
{
    /// <summary>The 200 waits for the commit of the event's batch: an acknowledged event is never lost.</summary>
    Durable,
    /// <summary>200 on enqueue (the case study's mode); the queue is drained on graceful shutdown only.</summary>
    Fast,
}

public sealed class IngestOptions
{
    public const string Section = "Ingest";

    public AckMode AckMode { get; set; } = AckMode.Durable;

    /// <summary>Graph webhooks batch up to 1,000 updates in one POST, so the limit is far above one event.</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 4 * 1024 * 1024;

    [Range(1, 10_000)]
    public int MaxBatchSize { get; set; } = 100;

    /// <summary>How long a batch may wait for more events once it has one. Default: 0 in Durable mode (group
    /// commit: the batch closes when the previous flush ends), 5,000 ms in Fast mode.</summary>
    [Range(0, 60_000)]
    public int? FlushIntervalMs { get; set; }

    [Range(100, 10_000_000)]
    public int QueueCapacity { get; set; } = 50_000;

    /// <summary>Longest a Durable request waits for its commit before answering 503 (Meta then retries).</summary>
    [Range(1, 120)]
    public int DurableAckTimeoutSeconds { get; set; } = 15;

    public TimeSpan FlushInterval => TimeSpan.FromMilliseconds(FlushIntervalMs ?? (AckMode == AckMode.Durable ? 0 : 5_000));
}
