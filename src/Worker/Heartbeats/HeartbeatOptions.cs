using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Heartbeats;

public sealed class HeartbeatOptions
{
    public const string Section = "Heartbeats";

    /// <summary>How often each loop's row in ops.worker_heartbeats is refreshed.</summary>
    [Range(1, 3_600)]
    public int IntervalSeconds { get; set; } = 10;

    /// <summary>A loop that has not iterated for this long is reported dead (heartbeat "alive": false, /health
    /// unhealthy), even though the process still answers.</summary>
    [Range(1, 86_400)]
    public int StaleAfterSeconds { get; set; } = 60;

    public TimeSpan Interval => TimeSpan.FromSeconds(IntervalSeconds);
    public TimeSpan StaleAfter => TimeSpan.FromSeconds(StaleAfterSeconds);
}
