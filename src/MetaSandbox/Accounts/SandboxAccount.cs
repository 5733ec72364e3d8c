using System.Text.Json.Serialization;

namespace MultichannelMessages.MetaSandbox.Accounts;

public enum AccountKind
{
    [JsonStringEnumMemberName("whatsapp")] WhatsApp,
    [JsonStringEnumMemberName("messenger")] Messenger,
    [JsonStringEnumMemberName("instagram")] Instagram,
}

/// <summary>
/// A WhatsApp business number, Facebook page or Instagram account the sandbox answers for. Immutable: a quality
/// change replaces the record in the <see cref="AccountRegistry"/>.
/// </summary>
public sealed record SandboxAccount
{
    /// <summary>Phone number id (WhatsApp), page id (Messenger) or Instagram account id: the Graph object id.</summary>
    public required string Id { get; init; }
    public required AccountKind Kind { get; init; }
    public required string AccessToken { get; init; }
    /// <summary>WhatsApp Business Account id: entry.id of every WhatsApp webhook. Null for pages.</summary>
    public string? WabaId { get; init; }
    public string? DisplayPhoneNumber { get; init; }
    public string Name { get; init; } = "Sandbox business";
    /// <summary>An Instagram account's handle (null: its name in lower case, letters and digits only).</summary>
    public string? Username { get; init; }
    public string QualityRating { get; init; } = "GREEN";
    public string MessagingLimitTier { get; init; } = "TIER_1K";
    public string ThroughputLevel { get; init; } = "STANDARD";
    /// <summary>Messages per second the number may send (Sandbox:Limits:EnforceThroughput); null: Sandbox:Limits:DefaultMps.</summary>
    public int? Mps { get; init; }
    /// <summary>The business portfolio the number's messaging limit is shared in; null: one portfolio per WABA.</summary>
    public string? BusinessId { get; init; }
    /// <summary>Rating moved by the share of failed sends (null: only by <c>/sandbox/accounts/{id}/quality</c>).</summary>
    public QualityTracking? QualityTracking { get; init; }

    public string PortfolioId => BusinessId ?? WabaId ?? Id;
    /// <summary>valid, expired (Meta's 190/463), revoked (190/460, e.g. the user changed their password), app removed
/// (190/458, the user no longer authorises the app) or logged out (190/467, the session is invalid):
    /// every call with the token is then refused as Meta refuses it, sends included.</summary>
    public TokenState TokenState { get; init; } = TokenState.Valid;
    /// <summary>Permissions the business took away from the app (Meta answers code 10 to a send, 200 to management
    /// calls), e.g. whatsapp_business_messaging. Empty: the token has everything it needs.</summary>
    public IReadOnlyList<string> RevokedPermissions { get; init; } = [];
    /// <summary>The app this account's webhooks are signed by and posted to (null: the sandbox's own).</summary>
    public string? AppSecret { get; init; }
    public string? WebhookUrl { get; init; }

    /// <summary>The webhook <c>object</c> Meta posts for this account.</summary>
    public string WebhookObject => Kind switch
    {
        AccountKind.WhatsApp => "whatsapp_business_account",
        AccountKind.Messenger => "page",
        _ => "instagram",
    };
}

public enum TokenState
{
    [JsonStringEnumMemberName("valid")] Valid,
    [JsonStringEnumMemberName("expired")] Expired,
    [JsonStringEnumMemberName("revoked")] Revoked,
    [JsonStringEnumMemberName("app_removed")] AppRemoved,
    [JsonStringEnumMemberName("logged_out")] LoggedOut,
}

/// <summary>What the sandbox shows of an account: everything but the token.</summary>
public sealed record AccountView(string Id, AccountKind Kind, string? WabaId, string? DisplayPhoneNumber, string Name,
    string QualityRating, string MessagingLimitTier, TokenState TokenState = TokenState.Valid, IReadOnlyList<string>? RevokedPermissions = null,
    string? BusinessId = null, int? Mps = null, string? ThroughputLevel = null, QualityTracking? QualityTracking = null)
{
    public static AccountView Of(SandboxAccount a) =>
        new(a.Id, a.Kind, a.WabaId, a.DisplayPhoneNumber, a.Name, a.QualityRating, a.MessagingLimitTier, a.TokenState, a.RevokedPermissions,
            a.Kind == AccountKind.WhatsApp ? a.PortfolioId : null, a.Mps, a.Kind == AccountKind.WhatsApp ? a.ThroughputLevel : null, a.QualityTracking);
}
