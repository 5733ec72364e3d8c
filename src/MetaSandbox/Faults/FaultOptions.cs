using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.MetaSandbox.Faults;

/// <summary>Section <c>Sandbox:Faults</c>: defaults for faults posted without a DelayMs.</summary>
public sealed class FaultOptions
{
    public const string Section = "Sandbox:Faults";

    /// <summary>How long a timeout fault holds the request: longer than any sane client timeout.</summary>
    [Range(1, 600_000)]
    public int TimeoutHoldMs { get; set; } = 30_000;

    [Range(0, 600_000)]
    public int SlowDelayMs { get; set; } = 1_000;
}
