namespace MultichannelMessages.Contracts.Settings;

public sealed record ContactHit(long Id, string Channel, string? DisplayName, string ExternalId, string? Phone, string? Language);

public sealed record LanguageRequest(string? Language);

public sealed record ContactLanguage(long ContactId, string? Language, string DefaultLanguage);

public sealed record MessagingSettings(bool HumanAgentTag, string DefaultLanguage, string[] OptOutKeywords, string[] OptInKeywords,
    bool UsesDefaultKeywords);

/// <summary>Empty keyword lists return the project to the default keywords.</summary>
public sealed record MessagingSettingsRequest(bool? HumanAgentTag, string? DefaultLanguage, string[]? OptOutKeywords, string[]? OptInKeywords);
