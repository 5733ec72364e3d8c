namespace MultichannelMessages.Contracts.Settings;

public sealed record ContactHit(long Id, string Channel, string? DisplayName, string ExternalId, string? Phone, string? Language);

public sealed record LanguageRequest(string? Language);

public sealed record ContactLanguage(long ContactId, string? Language, string DefaultLanguage);

/// <param name="TimeZone">The project's IANA time zone: campaigns are scheduled and their daily caps counted in it.</param>
/// <param name="MassRequiresOptIn">Campaigns exclude customers without a recorded opt-in.</param>
public sealed record MessagingSettings(bool HumanAgentTag, string DefaultLanguage, string[] OptOutKeywords, string[] OptInKeywords,
    bool UsesDefaultKeywords, string TimeZone = "UTC", bool MassRequiresOptIn = false);

/// <summary>Empty keyword lists return the project to the default keywords; a field left out keeps its value.</summary>
public sealed record MessagingSettingsRequest(bool? HumanAgentTag, string? DefaultLanguage, string[]? OptOutKeywords, string[]? OptInKeywords,
    string? TimeZone = null, bool? MassRequiresOptIn = null);
