using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace MultichannelMessages.Front.CoreApi;

// Mass sends (campaigns, their audience and results) and number health.
public sealed partial class CoreApiClient
{
    public Task<CampaignItem[]> CampaignsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<CampaignItem[]>($"projects/{projectId}/campaigns", ct);

    public Task<CampaignItem> CampaignAsync(long projectId, long campaignId, CancellationToken ct = default) =>
        GetAsync<CampaignItem>($"projects/{projectId}/campaigns/{campaignId}", ct);

    public Task<CampaignItem> CreateCampaignAsync(long projectId, CampaignRequest request, CancellationToken ct = default) =>
        SendAsync<CampaignItem>(HttpMethod.Post, $"projects/{projectId}/campaigns", request, ct);

    public Task<CampaignItem> UpdateCampaignAsync(long projectId, long campaignId, CampaignRequest request, CancellationToken ct = default) =>
        SendAsync<CampaignItem>(HttpMethod.Put, $"projects/{projectId}/campaigns/{campaignId}", request, ct);

    /// <summary>The audience file, streamed to the Core API as it is read (the API COPYs it row by row): the whole file
    /// never sits in the console's memory.</summary>
    public async Task<AudienceResult> UploadAudienceAsync(long projectId, long campaignId, Stream csv, string? defaultCountry,
        CancellationToken ct = default)
    {
        var query = "replace=true" + (string.IsNullOrWhiteSpace(defaultCountry) ? "" : "&defaultCountry=" + Uri.EscapeDataString(defaultCountry.Trim()));
        var content = new StreamContent(csv);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await RequestAsync(HttpMethod.Put, $"projects/{projectId}/campaigns/{campaignId}/audience?{query}", content, ct);
        return (await response.Content.ReadFromJsonAsync<AudienceResult>(ct))!;
    }

    public Task<AudienceResult> AudienceFromContactsAsync(long projectId, long campaignId, ContactAudienceRequest request, CancellationToken ct = default) =>
        SendAsync<AudienceResult>(HttpMethod.Post, $"projects/{projectId}/campaigns/{campaignId}/audience/contacts", request, ct);

    public Task<AudienceCount[]> AudienceSummaryAsync(long projectId, long campaignId, CancellationToken ct = default) =>
        GetAsync<AudienceCount[]>($"projects/{projectId}/campaigns/{campaignId}/audience", ct);

    /// <summary>A page of recipients (keyset: <paramref name="after"/> is the last id of the previous page).</summary>
    public Task<RecipientItem[]> RecipientsAsync(long projectId, long campaignId, string? status, string? reason, long after, int limit,
        CancellationToken ct = default) =>
        GetAsync<RecipientItem[]>($"projects/{projectId}/campaigns/{campaignId}/recipients?after={after}&limit={limit}"
            + (string.IsNullOrEmpty(status) ? "" : "&status=" + Uri.EscapeDataString(status))
            + (string.IsNullOrEmpty(reason) ? "" : "&reason=" + Uri.EscapeDataString(reason)), ct);

    public Task<RecipientPreview[]> PreviewAsync(long projectId, long campaignId, int limit = 5, CancellationToken ct = default) =>
        GetAsync<RecipientPreview[]>($"projects/{projectId}/campaigns/{campaignId}/preview?limit={limit}", ct);

    public Task<CampaignEstimate> EstimateAsync(long projectId, long campaignId, CancellationToken ct = default) =>
        GetAsync<CampaignEstimate>($"projects/{projectId}/campaigns/{campaignId}/estimate", ct);

    public Task<CampaignRatePoint[]> RateAsync(long projectId, long campaignId, int minutes, CancellationToken ct = default) =>
        GetAsync<CampaignRatePoint[]>($"projects/{projectId}/campaigns/{campaignId}/rate?minutes={minutes}", ct);

    /// <summary>submit, schedule, pause, resume, stop, cancel (campaigns.manage); approve, reject (campaigns.approve).</summary>
    public Task<CampaignItem> CampaignActionAsync(long projectId, long campaignId, string action, CampaignAction? body = null,
        CancellationToken ct = default) =>
        SendAsync<CampaignItem>(HttpMethod.Post, $"projects/{projectId}/campaigns/{campaignId}/{action}", body ?? new CampaignAction(null, null), ct);

    public Task<NumberHealthItem[]> NumberHealthAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<NumberHealthItem[]>($"projects/{projectId}/number-health", ct);

    public Task<NumberHealthPoint[]> NumberHealthHistoryAsync(long projectId, long accountId, int hours = 168, CancellationToken ct = default) =>
        GetAsync<NumberHealthPoint[]>($"projects/{projectId}/number-health/{accountId}?hours={hours}", ct);
}
