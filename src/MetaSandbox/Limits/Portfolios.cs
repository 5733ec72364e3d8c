using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.MetaSandbox.Limits;

public static class PortfolioTiers
{
    public const string Default = "TIER_250";
    public const string Unlimited = "TIER_UNLIMITED";

    /// <summary>Meta's portfolio tiers since October 2025 and their unique recipients per moving 24 hours.</summary>
    public static readonly IReadOnlyDictionary<string, int?> Limits = new Dictionary<string, int?>(StringComparer.Ordinal)
    {
        ["TIER_250"] = 250,
        ["TIER_2K"] = 2_000,
        ["TIER_10K"] = 10_000,
        ["TIER_100K"] = 100_000,
        [Unlimited] = null,
    };
}

/// <summary>
/// A business portfolio's messaging limit: the unique recipients its numbers reached with business-initiated
/// templates in a moving 24 hours. A recipient is counted once per 24 hours from the first such send.
/// </summary>
public sealed class Portfolio(string businessId, string tier)
{
    private static readonly TimeSpan Period = TimeSpan.FromHours(24);
    private readonly Dictionary<string, DateTimeOffset> _recipients = new(StringComparer.Ordinal);

    public string BusinessId { get; } = businessId;
    public string Tier { get; private set; } = tier;
    /// <summary>Sandbox only: count against this instead of the tier's number, so a test breaches it in a few sends.</summary>
    public int? LimitOverride { get; private set; }
    public int? Limit => LimitOverride ?? PortfolioTiers.Limits[Tier];

    public void SetTier(string tier, int? limitOverride)
    {
        lock (_recipients)
            (Tier, LimitOverride) = (tier, limitOverride);
    }

    /// <summary>True when the recipient is already counted or still fits; false past the limit (not counted).</summary>
    public bool TryCount(string waId, DateTimeOffset now)
    {
        lock (_recipients)
        {
            Expire(now);
            if (_recipients.ContainsKey(waId))
                return true;
            if (Limit is { } limit && _recipients.Count >= limit)
                return false;
            _recipients[waId] = now;
            return true;
        }
    }

    public int Used(DateTimeOffset now)
    {
        lock (_recipients)
        {
            Expire(now);
            return _recipients.Count;
        }
    }

    private void Expire(DateTimeOffset now)
    {
        foreach (var (waId, at) in _recipients.Where(r => now - r.Value >= Period).ToList())
            _recipients.Remove(waId);
    }
}

public sealed class PortfolioRegistry(IOptions<LimitOptions> options)
{
    private readonly ConcurrentDictionary<string, Portfolio> _portfolios = new(StringComparer.Ordinal);

    public Portfolio For(string businessId) =>
        _portfolios.GetOrAdd(businessId, id => new Portfolio(id, options.Value.DefaultPortfolioTier));
}
