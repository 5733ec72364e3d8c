using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Templates;

/// <summary>Section <c>Templates</c>: the submission loop (NOTIFY templates + poll) and the periodic sync.</summary>
public sealed class TemplateOptions
{
    public const string Section = "Templates";

    public bool Enabled { get; set; } = true;

    /// <summary>Submissions wake on NOTIFY templates; the poll catches retries that came due and missed notifications.</summary>
    [Range(50, 600_000)]
    public int PollIntervalMs { get; set; } = 2_000;

    [Range(1, 1_000)]
    public int BatchSize { get; set; } = 20;

    /// <summary>Must outlast one Graph request (checked at start against Graph:TimeoutSeconds).</summary>
    [Range(5, 3_600)]
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>Transient failures are retried this many times, then the submission fails with the last error.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 6;

    [Range(10, 3_600_000)]
    public int RetryBaseDelayMs { get; set; } = 2_000;

    [Range(10, 86_400_000)]
    public int RetryMaxDelayMs { get; set; } = 600_000;

    /// <summary>How often every WABA's templates are listed (statuses, quality, templates made in WhatsApp Manager).
    /// Webhooks bring changes sooner; the sync repairs what a lost webhook missed. NOTIFY template_sync forces one.</summary>
    [Range(100, 86_400_000)]
    public int SyncIntervalMs { get; set; } = 300_000;

    /// <summary>Page size asked of GET /{waba}/message_templates.</summary>
    [Range(1, 1_000)]
    public int SyncPageSize { get; set; } = 100;
}
