using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Graph;

public sealed class GraphOptions
{
    public const string Section = "Graph";

    /// <summary>Meta's Graph API, or the Meta sandbox in local runs and tests.</summary>
    [Required(ErrorMessage = "Graph:BaseAddress is required (MM_Graph__BaseAddress), e.g. https://graph.facebook.com.")]
    [Url(ErrorMessage = "Graph:BaseAddress must be an absolute http(s) URL.")]
    public string BaseAddress { get; set; } = "https://graph.facebook.com";

    [Required, RegularExpression(@"^v\d+\.\d+$", ErrorMessage = "Graph:ApiVersion must look like v21.0.")]
    public string ApiVersion { get; set; } = "v21.0";

    /// <summary>Whole-request timeout. The outbox lease must outlast it (checked at start), so a send still in
    /// flight can never be claimed by another Worker.</summary>
    [Range(1, 120)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Connections kept open to the Graph host; sends beyond this wait for a free one.</summary>
    [Range(1, 10_000)]
    public int MaxConnections { get; set; } = 256;

    /// <summary>The circuit breaker opens for a Meta host when at least this share of its calls failed (5xx, timeout,
    /// no connection)…</summary>
    [Range(0.01, 1.0)]
    public double CircuitFailureRatio { get; set; } = 0.5;

    /// <summary>…among at least this many calls…</summary>
    [Range(2, 100_000)]
    public int CircuitMinimumThroughput { get; set; } = 20;

    /// <summary>…within this window.</summary>
    [Range(1, 3_600)]
    public int CircuitSamplingSeconds { get; set; } = 30;

    /// <summary>How long an open breaker pauses calls to the host; then one probe decides whether it closes.</summary>
    [Range(1, 3_600)]
    public int CircuitBreakSeconds { get; set; } = 30;

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);
}
