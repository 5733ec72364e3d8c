namespace MultichannelMessages.MetaSandbox.Accounts;

/// <summary>Body of <c>POST /sandbox/accounts/{id}/quality</c>. Without an explicit event, the event follows Meta's
/// rules: a lower tier is DOWNGRADE, a higher one UPGRADE, a worse rating FLAGGED, back to GREEN UNFLAGGED.</summary>
public sealed record QualityChangeRequest(string? QualityRating, string? MessagingLimitTier, string? Event);

public static class QualityChange
{
    private static readonly string[] Ratings = ["GREEN", "YELLOW", "RED", "UNKNOWN"];
    private static readonly string[] Tiers = ["TIER_50", "TIER_250", "TIER_1K", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED"];

    public static string? Problem(QualityChangeRequest r) =>
        r.QualityRating is not null && !Ratings.Contains(r.QualityRating) ? $"quality_rating must be one of {string.Join(", ", Ratings)}."
        : r.MessagingLimitTier is not null && !Tiers.Contains(r.MessagingLimitTier) ? $"messaging_limit_tier must be one of {string.Join(", ", Tiers)}."
        : r.QualityRating is null && r.MessagingLimitTier is null && r.Event is null ? "Give quality_rating, messaging_limit_tier or event."
        : null;

    public static SandboxAccount Apply(SandboxAccount account, QualityChangeRequest r) => account with
    {
        QualityRating = r.QualityRating ?? account.QualityRating,
        MessagingLimitTier = r.MessagingLimitTier ?? account.MessagingLimitTier,
    };

    public static string EventFor(SandboxAccount before, SandboxAccount after, string? explicitEvent)
    {
        if (explicitEvent is not null)
            return explicitEvent;
        var tierMove = Array.IndexOf(Tiers, after.MessagingLimitTier) - Array.IndexOf(Tiers, before.MessagingLimitTier);
        if (tierMove != 0)
            return tierMove > 0 ? "UPGRADE" : "DOWNGRADE";
        if (after.QualityRating == "GREEN" && before.QualityRating != "GREEN")
            return "UNFLAGGED";
        return after.QualityRating is "YELLOW" or "RED" ? "FLAGGED" : "UNFLAGGED";
    }
}
