using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Team;

/// <summary>The Worker's loops for the shared inbox: auto-assignment, lock expiry and the internal-chat purge.</summary>
public sealed class TeamOptions
{
    public const string Section = "Team";

    public bool Enabled { get; set; } = true;

    /// <summary>Auto-assignment runs on NOTIFY assignment (new conversation, agent online, transfer) and at least this
    /// often (presence lapsing, caps freeing up).</summary>
    [Range(100, 600_000)]
    public int AssignIntervalMs { get; set; } = 2_000;

    [Range(1, 10_000)]
    public int AssignBatch { get; set; } = 100;

    /// <summary>How often idle locks are expired (and pushed to consoles as free).</summary>
    [Range(100, 600_000)]
    public int LockSweepIntervalMs { get; set; } = 5_000;

    /// <summary>Internal chat keeps five days.</summary>
    [Range(60, 365 * 86_400)]
    public int InternalChatRetentionSeconds { get; set; } = 5 * 86_400;

    [Range(1_000, 86_400_000)]
    public int PurgeIntervalMs { get; set; } = 600_000;

    [Range(1, 100_000)]
    public int PurgeBatch { get; set; } = 5_000;
}
