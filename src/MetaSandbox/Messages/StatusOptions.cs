using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.MetaSandbox.Messages;

/// <summary>Section <c>Sandbox:Statuses</c>: what happens to an accepted send, and when.</summary>
public sealed class StatusOptions : IValidatableObject
{
    public const string Section = "Sandbox:Statuses";

    [Range(0, 3_600_000)]
    public int SentDelayMs { get; set; } = 50;

    [Range(0, 3_600_000)]
    public int DeliveredDelayMs { get; set; } = 150;

    /// <summary>-1: the customer never reads (no read status).</summary>
    [Range(-1, 3_600_000)]
    public int ReadDelayMs { get; set; } = 400;

    /// <summary>Share of accepted WhatsApp sends (0-1) that end in a failed status with <see cref="FailureCode"/>.</summary>
    [Range(0.0, 1.0)]
    public double FailureRate { get; set; }

    [Range(1, 999_999)]
    public int FailureCode { get; set; } = 131026;

    /// <summary>Fail free-form WhatsApp sends (131047) unless the customer wrote through
    /// <c>/sandbox/customers/…</c> in the last 24 hours. Off by default: tests seed conversations directly.</summary>
    public bool EnforceWindow { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DeliveredDelayMs < SentDelayMs || (ReadDelayMs >= 0 && ReadDelayMs < DeliveredDelayMs))
            yield return new ValidationResult("Sandbox:Statuses delays must keep sent <= delivered <= read.");
    }
}
