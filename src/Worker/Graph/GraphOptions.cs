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

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);
}
