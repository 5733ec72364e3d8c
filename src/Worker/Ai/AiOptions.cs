using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Ai;

/// <summary>Section <c>Ai</c>: the AI agents' loop (docs/ai-agents.md). Providers, models and keys are per project, in
/// the database; these are the Worker's own limits.</summary>
public sealed class AiOptions
{
    public const string Section = "Ai";

    public bool Enabled { get; set; } = true;

    /// <summary>How often due conversations are looked for (a debounce ends on the clock, not on an event).</summary>
    [Range(20, 10_000)]
    public int PollIntervalMs { get; set; } = 250;

    /// <summary>Conversations worked at once by this Worker (each waits on the model most of its time).</summary>
    [Range(1, 1_000)]
    public int MaxConcurrentConversations { get; set; } = 100;

    /// <summary>A conversation's lease: must outlast a whole run (model calls, tools, repair).</summary>
    [Range(10, 3_600)]
    public int LeaseSeconds { get; set; } = 180;

    /// <summary>One model request, as the SDK's network timeout.</summary>
    [Range(1, 600)]
    public int RequestTimeoutSeconds { get; set; } = 60;

    /// <summary>Rounds of tool calls in one turn before the agent must answer.</summary>
    [Range(1, 20)]
    public int MaxToolRounds { get; set; } = 4;

    /// <summary>The latest messages of the episode given to the model.</summary>
    [Range(2, 200)]
    public int ThreadMessages { get; set; } = 30;

    /// <summary>Manual passages given with each turn (citations).</summary>
    [Range(0, 20)]
    public int ManualPassages { get; set; } = 4;

    /// <summary>A run that failed (the provider down, a 429) comes back after this, doubled per attempt.</summary>
    [Range(100, 600_000)]
    public int RetryBaseMs { get; set; } = 2_000;

    /// <summary>Failed runs of one conversation before the agent hands it to people.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 4;

    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollIntervalMs);
}
