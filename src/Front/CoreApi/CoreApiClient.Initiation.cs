using System.Text.Json;

namespace MultichannelMessages.Front.CoreApi;

public sealed partial class CoreApiClient
{
    public Task<WindowState> WindowAsync(long conversationId, CancellationToken ct = default) =>
        GetAsync<WindowState>($"conversations/{conversationId}/window", ct);

    public Task<ConsentView> ConsentAsync(long projectId, long contactId, long? accountId, CancellationToken ct = default) =>
        GetAsync<ConsentView>($"projects/{projectId}/contacts/{contactId}/consent" + (accountId is { } a ? $"?accountId={a}" : ""), ct);

    public Task<ConsentView> RecordConsentAsync(long projectId, long contactId, string action, string? evidence, long? accountId,
        CancellationToken ct = default) =>
        SendAsync<ConsentView>(HttpMethod.Put, $"projects/{projectId}/contacts/{contactId}/consent", new ConsentRequest(action, Scope: null, Source: null, evidence, accountId), ct);

    public Task<TemplateItem[]> ApprovedTemplatesAsync(long projectId, long accountId, CancellationToken ct = default) =>
        GetAsync<TemplateItem[]>($"projects/{projectId}/templates?status=APPROVED&accountId={accountId}", ct);

    public Task<PreflightResponse> PreflightAsync(long projectId, long accountId, long? contactId, string? phone, long? templateId,
        CancellationToken ct = default) =>
        SendAsync<PreflightResponse>(HttpMethod.Post, $"projects/{projectId}/initiations/preflight", new PreflightRequest(accountId, contactId, phone, templateId, Language: null), ct);

    public Task<InitiateResponse> InitiateAsync(long projectId, long accountId, long? contactId, string? phone, long templateId,
        IReadOnlyDictionary<string, string> parameters, string clientMessageId, CancellationToken ct = default) =>
        SendAsync<InitiateResponse>(HttpMethod.Post, $"projects/{projectId}/initiations",
            new InitiateRequest(accountId, contactId, phone, templateId, Language: null, clientMessageId,
                JsonSerializer.SerializeToElement(parameters)), ct);
}
