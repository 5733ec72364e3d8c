using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Dashboards;

/// <summary>The dashboard rollup loop (docs/dashboards.md): how often it passes and how much one pass takes.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboards";

    public bool Enabled { get; set; } = true;

    /// <summary>A pass runs on NOTIFY change_feed (anything written) and at least this often.</summary>
    [Range(100, 600_000)]
    public int IntervalMs { get; set; } = 5_000;

    /// <summary>Passes are at least this far apart: under ingest, one pass counts thousands of rows at once instead of a
    /// pass per webhook batch. Five seconds keeps the figures live well within the minute the dashboards promise, and a
    /// conversation written several times in that span (a campaign's send, then its sent, delivered and read) has its
    /// episode recomputed once: a 30,000-recipient campaign's passes took 31 s of database time instead of 81 s at one
    /// second (bench/RESULTS.md).</summary>
    [Range(0, 60_000)]
    public int MinSpacingMs { get; set; } = 5_000;

    /// <summary>Rows taken per source in one pass (one transaction); a full pass is followed by another at once.</summary>
    [Range(1, 100_000)]
    public int Batch { get; set; } = 5_000;
}
