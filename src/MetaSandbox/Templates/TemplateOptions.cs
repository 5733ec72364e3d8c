using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.MetaSandbox.Templates;

/// <summary>Section <c>Sandbox:Templates</c>: how the sandbox "reviews" created templates.</summary>
public sealed class TemplateOptions
{
    public const string Section = "Sandbox:Templates";

    /// <summary>Time from creation (PENDING) to the review's message_template_status_update webhook.</summary>
    [Range(0, 3_600_000)]
    public int ReviewDelayMs { get; set; } = 1_000;

    /// <summary>A template whose name contains this is REJECTED (reason INVALID_FORMAT); every other is APPROVED.</summary>
    [Required]
    public string RejectWhenNameContains { get; set; } = "reject";

    /// <summary>Refuse template sends (132001) unless the template was created here and approved. Off by default:
    /// tests and the demo send templates the sandbox never saw.</summary>
    public bool RequireKnown { get; set; }
}
