namespace MultichannelMessages.Front.CoreApi;

// Message templates: the Templates module and the composer's template mode.
public sealed partial class CoreApiClient
{
    public Task<TemplateItem[]> TemplatesAsync(long projectId, string query = "", CancellationToken ct = default) =>
        GetAsync<TemplateItem[]>($"projects/{projectId}/templates?{query}", ct);

    public Task<AccountItem[]> AccountsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<AccountItem[]>($"projects/{projectId}/accounts", ct);

    public Task<TemplateItem> CreateTemplateAsync(long projectId, TemplateRequest template, CancellationToken ct = default) =>
        SendAsync<TemplateItem>(HttpMethod.Post, $"projects/{projectId}/templates", template, ct);

    public Task DeleteTemplateAsync(long projectId, long templateId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"projects/{projectId}/templates/{templateId}", null, ct);

    public Task SyncTemplatesAsync(long projectId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"projects/{projectId}/templates/sync", null, ct);

    public Task<AutofillResult> AutofillAsync(long projectId, long conversationId, long templateId, CancellationToken ct = default) =>
        GetAsync<AutofillResult>($"projects/{projectId}/conversations/{conversationId}/templates/{templateId}/autofill", ct);

    public Task<SendResponse> SendTemplateAsync(long projectId, long conversationId, long templateId, Dictionary<string, string> parameters,
        string clientMessageId, CancellationToken ct = default) =>
        SendAsync<SendResponse>(HttpMethod.Post, $"projects/{projectId}/conversations/{conversationId}/template",
            new TemplateSendRequest(clientMessageId, templateId, parameters!), ct);

    /// <summary>Whether this template may go to this conversation's customer now (the checks chat.send_template enforces).</summary>
    public Task<SendPreflight> TemplatePreflightAsync(long projectId, long conversationId, long templateId, CancellationToken ct = default) =>
        GetAsync<SendPreflight>($"projects/{projectId}/conversations/{conversationId}/templates/{templateId}/preflight", ct);
}
