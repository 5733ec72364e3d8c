using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.WebhookApi.Ingestion;

public enum AckMode
{
    /// <summary>The 200 waits for the commit of the event's raw body: an acknowledged event is never lost. Its
    /// normalization (message, status, conversation…) commits in the next transaction, from the raw event after a
    /// crash (db/functions/100_meta_ingest_staged.sql).</summary>
    Durable,
    /// <summary>The 200 waits until the event is normalized too: a caller that reads right after its POST sees the
    /// message. Slower; for integrations and tests that need that, not for Meta.</summary>
    Normalized,
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

    /// <summary>How long a batch may wait for more events once it has one. Default: 0 in Durable and Normalized
    /// modes (group commit: the batch closes when the previous flush ends), 5,000 ms in Fast mode.</summary>
    [Range(0, 60_000)]
    public int? FlushIntervalMs { get; set; }

    [Range(100, 10_000_000)]
    public int QueueCapacity { get; set; } = 50_000;

    /// <summary>Longest a Durable request waits for its commit before answering 503 (Meta then retries).</summary>
    [Range(1, 120)]
    public int DurableAckTimeoutSeconds { get; set; } = 15;

    /// <summary>Events stored but not yet normalized that one Webhook API holds before its acknowledgements wait for
    /// normalization: a burst above what normalization sustains is acknowledged at the raw stage's speed up to this
    /// many events (at ~3,000 normalized/s on two cores, 50,000 is about 17 s of lag), then no faster than it.</summary>
    [Range(100, 1_000_000)]
    public int MaxNormalizeBacklog { get; set; } = 50_000;

    /// <summary>Most events normalized in one transaction. Larger is not faster: measured with bench/ingest-compare.sh, a
    /// backlog drained at ~1,800 events/s in batches of 500 and ~3,000/s in batches of 50–100.</summary>
    [Range(1, 10_000)]
    public int NormalizeBatchSize { get; set; } = 100;

    /// <summary>Normalizing stages running side by side, each on its own connection, taking batches from the one
    /// backlog. One stage bounded the durable closed loop; on two cores two measured best (a third took CPU from the
    /// acknowledgements: bench/RESULTS.md). Batches of different stages that touch the same customer or message take
    /// turns (meta.normalize_staged), so any number is safe, but each holds a connection.</summary>
    [Range(1, 16)]
    public int Normalizers { get; set; } = 2;

    /// <summary>A stage starts its next batch no sooner than this after its previous one started, unless a whole batch
    /// is waiting. Under a steady stream (a campaign's sent/delivered/read statuses, ~300 a second) the stage otherwise
    /// ran back to back on the few events each previous batch left behind, and every few events paid a transaction's
    /// fixed costs again; waiting lets the batch grow (bench/RESULTS.md: at 50 ms, batches of ~11 events instead of ~5
    /// and a third less normalizing time for the same statuses). An event reaching an idle stage is not delayed: the wait
    /// only applies when the previous batch started less than this ago. Default: 50 ms in Durable and Fast modes, 0 in
    /// Normalized mode (its callers wait for the normalization). 0 turns it off.</summary>
    [Range(0, 60_000)]
    public int? NormalizeMinSpacingMs { get; set; }

    public TimeSpan NormalizeMinSpacing =>
        TimeSpan.FromMilliseconds(NormalizeMinSpacingMs ?? (AckMode == AckMode.Normalized ? 0 : 50));

    /// <summary>A raw event still waiting for normalization this long is taken by any Webhook API's orphan pass and
    /// normalized from its body (its own Webhook API died between the two transactions, or fell that far behind).</summary>
    [Range(1, 3_600)]
    public int OrphanAfterSeconds { get; set; } = 30;

    /// <summary>Times the orphan pass tries an event that fails on its own for a reason other than its data (which is
    /// refused at once) before it keeps it raw with ingest_error and the last reason (meta.note_normalize_failure).</summary>
    [Range(1, 1_000)]
    public int NormalizeMaxAttempts { get; set; } = 5;

    public TimeSpan FlushInterval => TimeSpan.FromMilliseconds(FlushIntervalMs ?? (AckMode == AckMode.Fast ? 5_000 : 0));
}
