using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Retention;

/// <summary>Section <c>Retention</c>: how long the platform keeps what it only needs for a while. Conversations,
/// messages, notes and their history are never purged here.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    public bool Enabled { get; set; } = true;

    [Range(60_000, 86_400_000)]
    public int IntervalMs { get; set; } = 3_600_000;

    [Range(100, 100_000)]
    public int Batch { get; set; } = 5_000;

    /// <summary>Raw webhook bodies that were normalized. Meta redelivers for up to 7 days; keep well past that.</summary>
    [Range(8, 3_650)]
    public int WebhookEventDays { get; set; } = 30;

    /// <summary>Raw bodies that failed to parse or belonged to no project: the operator's evidence, kept longer.</summary>
    [Range(8, 3_650)]
    public int WebhookAttentionDays { get; set; } = 90;

    /// <summary>Sent outbox rows (a row a dead letter points at is kept).</summary>
    [Range(1, 3_650)]
    public int OutboxDays { get; set; } = 7;

    /// <summary>Change-feed rows: consoles replay them only across short reconnects.</summary>
    [Range(1, 24 * 365)]
    public int ChangeFeedHours { get; set; } = 24;

    /// <summary>Cache invalidations: applied by live Core API instances within seconds; caches live minutes.</summary>
    [Range(1, 24 * 365)]
    public int CacheInvalidationHours { get; set; } = 1;

    /// <summary>Sign-in sessions after they ended (signed out, or every refresh token expired): who was signed in
    /// when stays answerable for this long.</summary>
    [Range(1, 3_650)]
    public int SessionDays { get; set; } = 30;

    /// <summary>The command log (who changed what). At least a year: the database refuses to delete younger rows.</summary>
    [Range(366, 36_500)]
    public int CommandLogDays { get; set; } = 730;

    /// <summary>An error not seen for this long leaves the error log.</summary>
    [Range(1, 3650)]
    public int ErrorLogDays { get; set; } = 90;

    [Range(1, 3_650)]
    public int HeartbeatDays { get; set; } = 7;

    /// <summary>How old the statistics of a partitioned table as a whole (messages, status events, raw events, the
    /// change feed) may get before the retention pass analyzes it again: autovacuum never does it for a parent.</summary>
    [Range(1, 24 * 365)]
    public int AnalyzeParentsHours { get; set; } = 24;
}
