namespace MultichannelMessages.Front.CoreApi;

// A project's messaging rules, the customer's language and the contact picker (src/CoreApi/Settings).

public sealed partial class CoreApiClient
{
    public Task<MessagingSettings> MessagingSettingsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<MessagingSettings>($"projects/{projectId}/messaging-settings", ct);

    /// <summary>Empty keyword lists return the project to the default keywords.</summary>
    public Task<MessagingSettings> SaveMessagingSettingsAsync(long projectId, bool humanAgentTag, string? defaultLanguage,
        IReadOnlyList<string> optOutKeywords, IReadOnlyList<string> optInKeywords, string? timeZone = null, bool? massRequiresOptIn = null,
        CancellationToken ct = default) =>
        SendAsync<MessagingSettings>(HttpMethod.Put, $"projects/{projectId}/messaging-settings",
            new MessagingSettingsRequest(humanAgentTag, defaultLanguage, [.. optOutKeywords], [.. optInKeywords], timeZone, massRequiresOptIn), ct);

    public Task<Contracts.Settings.ContactLanguage> ContactLanguageAsync(long projectId, long contactId, CancellationToken ct = default) =>
        GetAsync<Contracts.Settings.ContactLanguage>($"projects/{projectId}/contacts/{contactId}/language", ct);

    /// <summary>Null forgets the language (the project's default applies).</summary>
    public Task<Contracts.Settings.ContactLanguage> SetContactLanguageAsync(long projectId, long contactId, string? language, CancellationToken ct = default) =>
        SendAsync<Contracts.Settings.ContactLanguage>(HttpMethod.Put, $"projects/{projectId}/contacts/{contactId}/language", new LanguageRequest(language), ct);

    public Task<ContactHit[]> FindContactsAsync(long projectId, string query, string channel, CancellationToken ct = default) =>
        GetAsync<ContactHit[]>($"projects/{projectId}/contacts?q={Uri.EscapeDataString(query)}&channel={channel}&limit=10", ct);
}
