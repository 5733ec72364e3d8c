using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.MetaSandbox.Accounts;

/// <summary>One entry of <c>Sandbox:Accounts</c>, and the body of <c>POST /sandbox/accounts</c>.</summary>
public sealed class AccountOptions : IValidatableObject
{
    /// <summary>Phone number id (WhatsApp), page id (Messenger) or Instagram account id.</summary>
    [Required, RegularExpression("^[0-9A-Za-z_.-]{1,64}$", ErrorMessage = "Account Id must be 1-64 letters, digits, '_', '.' or '-'.")]
    public string Id { get; set; } = "";

    [Required, RegularExpression("(?i)^(whatsapp|messenger|instagram)$", ErrorMessage = "Account Kind must be whatsapp, messenger or instagram.")]
    public string Kind { get; set; } = "whatsapp";

    [Required(ErrorMessage = "Every sandbox account needs an AccessToken (the Bearer token its calls must carry).")]
    public string AccessToken { get; set; } = "";

    public string? WabaId { get; set; }
    public string? DisplayPhoneNumber { get; set; }

    /// <summary>The Meta app this account's webhooks belong to, as Meta has one app per business: its secret signs
    /// them and they go to its callback URL. Unset: the sandbox's own (Sandbox:AppSecret, Sandbox:WebhookUrl).</summary>
    public string? AppSecret { get; set; }
    public string? WebhookUrl { get; set; }
    public string? Name { get; set; }
    /// <summary>An Instagram account's username (default: its name, lower case, letters and digits).</summary>
    public string? Username { get; set; }

    [RegularExpression("^(GREEN|YELLOW|RED|UNKNOWN)$")]
    public string? QualityRating { get; set; }

    [RegularExpression("^TIER_(50|250|1K|2K|10K|100K|UNLIMITED)$")]
    public string? MessagingLimitTier { get; set; }

    /// <summary>The business portfolio (its messaging limit is shared by all its numbers). Unset: the WABA's own.</summary>
    [RegularExpression("^[0-9A-Za-z_.-]{1,64}$", ErrorMessage = "BusinessId must be 1-64 letters, digits, '_', '.' or '-'.")]
    public string? BusinessId { get; set; }

    /// <summary>The number's messages per second (Meta: 80 by default, 20 for coexistence numbers, 1,000 upgraded).</summary>
    [Range(1, 1000)]
    public int? Mps { get; set; }

    /// <summary>Move the number's quality rating by the share of failed sends (off when unset).</summary>
    public QualityTracking? QualityTracking { get; set; }

    public AccountKind ParsedKind => Enum.Parse<AccountKind>(Kind, ignoreCase: true);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Kind.Equals("whatsapp", StringComparison.OrdinalIgnoreCase))
            yield break;
        // Every WhatsApp webhook carries entry.id (the WABA) and metadata.display_phone_number.
        if (string.IsNullOrWhiteSpace(WabaId))
            yield return new ValidationResult($"WhatsApp account {Id} needs a WabaId.", [nameof(WabaId)]);
        if (string.IsNullOrWhiteSpace(DisplayPhoneNumber))
            yield return new ValidationResult($"WhatsApp account {Id} needs a DisplayPhoneNumber.", [nameof(DisplayPhoneNumber)]);
        if (QualityTracking?.Problem() is { } tracking)
            yield return new ValidationResult($"WhatsApp account {Id}: {tracking}", [nameof(QualityTracking)]);
    }

    public SandboxAccount ToAccount() => new()
    {
        Id = Id,
        Kind = ParsedKind,
        AccessToken = AccessToken,
        WabaId = WabaId,
        DisplayPhoneNumber = DisplayPhoneNumber,
        Name = Name ?? "Sandbox business",
        Username = string.IsNullOrWhiteSpace(Username) ? null : Username,
        QualityRating = QualityRating ?? "GREEN",
        MessagingLimitTier = MessagingLimitTier ?? "TIER_1K",
        AppSecret = string.IsNullOrEmpty(AppSecret) ? null : AppSecret,
        WebhookUrl = string.IsNullOrEmpty(WebhookUrl) ? null : WebhookUrl,
        BusinessId = string.IsNullOrEmpty(BusinessId) ? null : BusinessId,
        Mps = Mps,
        QualityTracking = QualityTracking,
    };
}
