using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Media;

/// <summary>Section <c>MediaDownloads</c>: the loop that fetches inbound media from Meta into the media store.</summary>
public sealed class MediaDownloadOptions : IValidatableObject
{
    public const string Section = "MediaDownloads";

    public bool Enabled { get; set; } = true;

    [Range(1, 500)]
    public int BatchSize { get; set; } = 10;

    /// <summary>Downloads in flight at once (files are up to 100 MB: a few, not hundreds).</summary>
    [Range(1, 100)]
    public int MaxParallelDownloads { get; set; } = 4;

    /// <summary>Wait between claims when nothing is due; a NOTIFY on 'media' ends it early.</summary>
    [Range(10, 600_000)]
    public int PollIntervalMs { get; set; } = 2_000;

    public bool ListenForNotifications { get; set; } = true;

    /// <summary>How long a claim is ours; must outlast a whole download (checked at start). A download that still
    /// overruns is harmless: the taker-over writes the same key, and only one of them completes the row.</summary>
    [Range(5, 3_600)]
    public int LeaseSeconds { get; set; } = 150;

    /// <summary>Media-node lookup plus download of one file.</summary>
    [Range(1, 1_800)]
    public int TimeoutSeconds { get; set; } = 120;

    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 6;

    [Range(10, 3_600_000)]
    public int RetryBaseDelayMs { get; set; } = 2_000;

    [Range(100, 86_400_000)]
    public int RetryMaxDelayMs { get; set; } = 600_000;

    /// <summary>Largest file accepted (Meta's own ceiling is 100 MB, documents).</summary>
    [Range(1, 1_073_741_824)]
    public long MaxBytes { get; set; } = 100 * 1024 * 1024;

    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollIntervalMs);
    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LeaseSeconds <= TimeoutSeconds)
            yield return new ValidationResult(
                $"MediaDownloads:LeaseSeconds ({LeaseSeconds}) must exceed MediaDownloads:TimeoutSeconds ({TimeoutSeconds}): a download still running must not be claimed by another Worker.");
    }
}
