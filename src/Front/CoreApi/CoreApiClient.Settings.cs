namespace MultichannelMessages.Front.CoreApi;

// A project's messaging rules, the customer's language and the contact picker (src/CoreApi/Settings).

/// <summary>usesDefaultKeywords: the project has no keywords of its own, the lists shown are the defaults.</summary>
public sealed record MessagingSettings(bool HumanAgentTag, string DefaultLanguage, string[] OptOutKeywords, string[] OptInKeywords,
    bool UsesDefaultKeywords);

public sealed record ContactLanguageView(long ContactId, string? Language, string DefaultLanguage);

public sealed record ContactHit(long Id, string Channel, string? DisplayName, string ExternalId, string? Phone, string? Language)
{
    /// <summary>WhatsApp ids are the number's digits: shown with a +.</summary>
    public string Number => Channel == "whatsapp" ? "+" + ExternalId : ExternalId;
}

public sealed partial class CoreApiClient
{
    public Task<MessagingSettings> MessagingSettingsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<MessagingSettings>($"projects/{projectId}/messaging-settings", ct);

    /// <summary>Empty keyword lists return the project to the default keywords.</summary>
    public Task<MessagingSettings> SaveMessagingSettingsAsync(long projectId, bool humanAgentTag, string? defaultLanguage,
        IReadOnlyList<string> optOutKeywords, IReadOnlyList<string> optInKeywords, CancellationToken ct = default) =>
        SendAsync<MessagingSettings>(HttpMethod.Put, $"projects/{projectId}/messaging-settings",
            new { humanAgentTag, defaultLanguage, optOutKeywords, optInKeywords }, ct);

    public Task<ContactLanguageView> ContactLanguageAsync(long projectId, long contactId, CancellationToken ct = default) =>
        GetAsync<ContactLanguageView>($"projects/{projectId}/contacts/{contactId}/language", ct);

    /// <summary>Null forgets the language (the project's default applies).</summary>
    public Task<ContactLanguageView> SetContactLanguageAsync(long projectId, long contactId, string? language, CancellationToken ct = default) =>
        SendAsync<ContactLanguageView>(HttpMethod.Put, $"projects/{projectId}/contacts/{contactId}/language", new { language }, ct);

    public Task<ContactHit[]> FindContactsAsync(long projectId, string query, string channel, CancellationToken ct = default) =>
        GetAsync<ContactHit[]>($"projects/{projectId}/contacts?q={Uri.EscapeDataString(query)}&channel={channel}&limit=10", ct);
}
