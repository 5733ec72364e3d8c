using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.MetaSandbox.Demo;

/// <summary>Section <c>Sandbox:Demo</c>: scripted customers writing on every account, so a local run has traffic.</summary>
public sealed class DemoOptions
{
    public const string Section = "Sandbox:Demo";

    /// <summary>Start the demo traffic when the sandbox starts (else <c>POST /sandbox/demo/start</c>).</summary>
    public bool Enabled { get; set; }

    [Range(10, 600_000)]
    public int IntervalMs { get; set; } = 3_000;

    /// <summary>Customer messages in one run; the demo then stops by itself.</summary>
    [Range(1, 100_000)]
    public int MessageCount { get; set; } = 30;
}

public sealed record DemoStartRequest(
    [property: Range(10, 600_000)] int? IntervalMs,
    [property: Range(1, 100_000)] int? MessageCount);

public sealed record DemoStatus(bool Running, int Sent, int Planned, int IntervalMs);
