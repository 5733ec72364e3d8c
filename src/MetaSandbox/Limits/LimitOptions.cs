using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.MetaSandbox.Limits;

/// <summary>Section <c>Sandbox:Limits</c>: Meta's per-number throughput and per-portfolio messaging limit.</summary>
public sealed class LimitOptions
{
    public const string Section = "Sandbox:Limits";

    /// <summary>Refuse (130429) a send above the number's messages per second. Off by default: the outbox benchmark and
    /// the Worker's load tests send thousands a second through one sandbox.</summary>
    public bool EnforceThroughput { get; set; }

    /// <summary>Meta's default for a registered number.</summary>
    [Range(1, 100_000)]
    public int DefaultMps { get; set; } = 80;

    /// <summary>After <c>POST /sandbox/accounts/{id}/throughput/upgrade</c> (Meta's automatic upgrade).</summary>
    [Range(1, 100_000)]
    public int UpgradedMps { get; set; } = 1_000;

    /// <summary>Fail a business-initiated template to a new unique recipient beyond the portfolio's limit. Only
    /// templates outside the customer's 24-hour window count, as at Meta.</summary>
    public bool EnforceMessagingLimit { get; set; } = true;

    /// <summary>A portfolio's tier until <c>PUT /sandbox/portfolios/{businessId}/limit</c> (Meta: 250 for a new one).</summary>
    [RegularExpression("^TIER_(250|2K|10K|100K|UNLIMITED)$")]
    public string DefaultPortfolioTier { get; set; } = PortfolioTiers.Default;

    /// <summary>The code of the failed status past the limit. Meta documents none for it; 131048 is the code whose
    /// table entry points at the messaging-limit ("quality-based rate limit") documentation.</summary>
    [Range(1, 999_999)]
    public int MessagingLimitFailureCode { get; set; } = 131048;
}
