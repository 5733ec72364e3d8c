namespace MultichannelMessages.Contracts.MetaAdmin;

// Admin → Meta: the project's Meta apps (secrets never leave the server) and its connected accounts, with what the
// Worker found when it validated each against the Graph API.

/// <param name="WebhookUrl">The callback URL to paste into the app's webhook settings in Meta, with the verify token.</param>
/// <param name="PreviousSecretUntil">A rotation's previous secret still verifies until then.</param>
public sealed record MetaAppItem(long Id, string MetaAppId, string Name, bool Own, string WebhookUrl, DateTime? PreviousSecretUntil,
    DateTime? LastVerifiedAt, DateTime? LastSignedEventAt, int Accounts, DateTime CreatedAt);

public sealed record MetaAppRequest(string? MetaAppId, string? Name, string? AppSecret, string? VerifyToken);

public sealed record MetaAppUpdate(string? Name, string? VerifyToken);

public sealed record SecretRotation(string? AppSecret, int? OverlapHours);

/// <param name="ValidationStatus">pending (the Worker has not checked it yet), valid, or needs_attention (see
/// ValidationError: Meta refused the token, or the ids do not belong together).</param>
/// <param name="FirstWebhook">Readiness: a webhook of this account signed by its app was received (FirstWebhookAt).</param>
/// <param name="SendsPausedAt">Since when the account's sends wait (Meta refused its token); null once a new token
/// validates, when the waiting messages go, each once.</param>
/// <param name="Connection">active; disconnecting (the Worker is unsubscribing the app); disconnected (no token kept,
/// conversations stay; connecting it again in this project reuses it).</param>
public sealed record MetaAccountItem(long Id, string Channel, string ExternalId, string? WabaId, string Name, string? DisplayPhoneNumber,
    string? VerifiedName, string? QualityRating, string? MessagingLimit, string? ThroughputLevel, long? AppId, long? DefaultQueueId,
    double? MessagesPerSecond, string ValidationStatus, string? ValidationError, DateTime? ValidatedAt, DateTime? SubscribedAt,
    bool TokenSet, bool FirstWebhook, DateTime? FirstWebhookAt = null, DateTime? SendsPausedAt = null,
    string Connection = "active");

public sealed record ConnectAccountRequest(string? Channel, long? AppId, string? ExternalId, string? WabaId, string? Name, string? AccessToken,
    long? DefaultQueueId);

public sealed record AccountTokenRequest(string? AccessToken);

public sealed record AccountUpdate(string? Name, long? DefaultQueueId, bool ClearDefaultQueue, double? MessagesPerSecond, bool ClearMessagesPerSecond);
