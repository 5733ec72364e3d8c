using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Import;

/// <summary>Imports queued from the console (docs/import.md "From the console"), run by the Worker under a lease.</summary>
public sealed class ImportJobOptions
{
    public const string Section = "Import";

    public bool Enabled { get; set; } = true;

    /// <summary>A job is looked for on NOTIFY 'import' and at least this often.</summary>
    [Range(100, 600_000)]
    public int IntervalMs { get; set; } = 5_000;

    /// <summary>Renewed after every batch; a Worker killed mid-file loses the job after this, and another resumes it.</summary>
    [Range(5, 3_600)]
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>Attempts before a job that keeps losing its Worker fails instead of being taken over again.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Lines per batch (one transaction each).</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 5_000;

    /// <summary>Messages a second an import from the console may write at most (0: no cap). Console imports run beside
    /// live traffic: at full speed an import takes both cores of a small server and the inbox's first page slows past
    /// its target (bench/RESULTS.md "Legacy import"); the Migrator's own command has no cap unless asked.</summary>
    [Range(0, 1_000_000)]
    public int MaxMessagesPerSecond { get; set; } = 4_000;

    /// <summary>Where the export is copied from the media store while it is imported (empty: the system's temp folder).</summary>
    public string? WorkFolder { get; set; }
}
