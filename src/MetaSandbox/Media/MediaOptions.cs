using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.MetaSandbox.Media;

/// <summary>Section <c>Sandbox:Media</c>. Uploads are kept in memory, so both limits are about the sandbox's RAM.</summary>
public sealed class MediaOptions
{
    public const string Section = "Sandbox:Media";

    /// <summary>Largest upload; Meta's own ceiling is 100 MB (documents).</summary>
    [Range(1, 1_073_741_824)]
    public long MaxBytes { get; set; } = 100 * 1024 * 1024;

    [Range(1, 17_179_869_184)]
    public long MaxTotalBytes { get; set; } = 512 * 1024 * 1024;
}
