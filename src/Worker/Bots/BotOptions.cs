using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Bots;

/// <summary>Section <c>Bots</c>: the chatbots' loop (docs/chatbots.md). Flows are per project, in the database; these
/// are the Worker's own limits.</summary>
public sealed class BotOptions
{
    public const string Section = "Bots";

    public bool Enabled { get; set; } = true;

    /// <summary>How often due sessions are looked for when no NOTIFY 'bot' came (timers and expiries end on the clock).</summary>
    [Range(20, 10_000)]
    public int PollIntervalMs { get; set; } = 500;

    /// <summary>Sessions stepped at once by this Worker (a step is a few milliseconds of database work).</summary>
    [Range(1, 1_000)]
    public int MaxConcurrentSessions { get; set; } = 16;

    /// <summary>A session's lease: a step takes milliseconds; a Worker that died mid-step leaves it this long.</summary>
    [Range(2, 600)]
    public int LeaseSeconds { get; set; } = 15;

    /// <summary>A step that threw comes back after this, doubled per attempt (the fifth failure ends the session).</summary>
    [Range(100, 600_000)]
    public int RetryBaseMs { get; set; } = 1_000;

    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollIntervalMs);
}
