using System.Net.Http.Headers;
using System.Text.Json;
using MultichannelMessages.Contracts.Ai;

namespace MultichannelMessages.Front.CoreApi;

// AI agents (src/CoreApi/Ai): the project's provider, agents with their drafts, versions, manuals and tool secrets,
// where they answer, business hours, and the editor's test chat.
public sealed partial class CoreApiClient
{
    private static string Ai(long projectId) => $"projects/{projectId}/ai";

    /// <summary>Null until the project has a provider (404 no_provider): the console shows the empty form.</summary>
    public async Task<AiProvider?> AiProviderAsync(long projectId, CancellationToken ct = default)
    {
        try { return await GetAsync<AiProvider>($"{Ai(projectId)}/provider", ct); }
        catch (CoreApiException ex) when (ex.Code == "no_provider") { return null; }
    }

    /// <summary>The whole provider; <see cref="AiProviderRequest.ApiKey"/> null keeps the stored key, "" removes it.</summary>
    public Task<AiProvider> SaveAiProviderAsync(long projectId, AiProviderRequest provider, CancellationToken ct = default) =>
        SendAsync<AiProvider>(HttpMethod.Put, $"{Ai(projectId)}/provider", provider, ct);

    public Task<AgentSummary[]> AgentsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<AgentSummary[]>($"{Ai(projectId)}/agents", ct);

    /// <summary>A new agent; without a definition the Core API gives it the default one.</summary>
    public Task<AgentDetail> CreateAgentAsync(long projectId, string name, AgentDefinition? definition = null, CancellationToken ct = default) =>
        SendAsync<AgentDetail>(HttpMethod.Post, $"{Ai(projectId)}/agents", new AgentDraftRequest(name, definition, null), ct);

    public Task<AgentDetail> AgentAsync(long projectId, long agentId, CancellationToken ct = default) =>
        GetAsync<AgentDetail>($"{Ai(projectId)}/agents/{agentId}", ct);

    /// <summary>Saves over <paramref name="revision"/>, the draft revision the editor loaded; a newer one refuses (draft_conflict).</summary>
    public Task<AgentDetail> SaveAgentDraftAsync(long projectId, long agentId, string? name, AgentDefinition? definition, int revision,
        CancellationToken ct = default) =>
        SendAsync<AgentDetail>(HttpMethod.Put, $"{Ai(projectId)}/agents/{agentId}", new AgentDraftRequest(name, definition, revision), ct);

    public Task<AgentDetail> PublishAgentAsync(long projectId, long agentId, CancellationToken ct = default) =>
        SendAsync<AgentDetail>(HttpMethod.Post, $"{Ai(projectId)}/agents/{agentId}/publish", null, ct);

    public Task<AgentVersionItem[]> AgentVersionsAsync(long projectId, long agentId, CancellationToken ct = default) =>
        GetAsync<AgentVersionItem[]>($"{Ai(projectId)}/agents/{agentId}/versions", ct);

    public Task<AgentDetail> ArchiveAgentAsync(long projectId, long agentId, CancellationToken ct = default) =>
        SendAsync<AgentDetail>(HttpMethod.Post, $"{Ai(projectId)}/agents/{agentId}/archive", null, ct);

    /// <summary>A custom tool's secret, write-only; "" removes it.</summary>
    public Task SetToolSecretAsync(long projectId, long agentId, string tool, string secret, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"{Ai(projectId)}/agents/{agentId}/tools/{Uri.EscapeDataString(tool)}/secret", new ToolSecretRequest(secret), ct);

    public Task<AiDocumentItem[]> AgentDocumentsAsync(long projectId, long agentId, CancellationToken ct = default) =>
        GetAsync<AiDocumentItem[]>($"{Ai(projectId)}/agents/{agentId}/documents", ct);

    /// <summary>Streams the file as multipart field 'file'; the same bytes twice answer the document already stored.</summary>
    public Task<AiDocumentItem> UploadAgentDocumentAsync(long projectId, long agentId, string fileName, string? contentType, Stream content,
        CancellationToken ct = default)
    {
        var file = new StreamContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue(string.IsNullOrEmpty(contentType) ? "application/octet-stream" : contentType);
        var form = new MultipartFormDataContent { { file, "file", fileName } };
        return SendAsync<AiDocumentItem>(HttpMethod.Post, $"{Ai(projectId)}/agents/{agentId}/documents", form, ct);
    }

    public Task DeleteAgentDocumentAsync(long projectId, long agentId, long documentId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"{Ai(projectId)}/agents/{agentId}/documents/{documentId}", null, ct);

    public Task<AiActivation[]> AiActivationsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<AiActivation[]>($"{Ai(projectId)}/activations", ct);

    /// <summary>Creates (<paramref name="activationId"/> null) or replaces an activation.</summary>
    public Task<AiActivation> SaveAiActivationAsync(long projectId, long? activationId, AiActivationRequest activation, CancellationToken ct = default) =>
        activationId is { } id
            ? SendAsync<AiActivation>(HttpMethod.Put, $"{Ai(projectId)}/activations/{id}", activation, ct)
            : SendAsync<AiActivation>(HttpMethod.Post, $"{Ai(projectId)}/activations", activation, ct);

    public Task DeleteAiActivationAsync(long projectId, long activationId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"{Ai(projectId)}/activations/{activationId}", null, ct);

    /// <summary>Day (mon…sun) → intervals ["09:00","18:00"]; null: always open.</summary>
    public async Task<Dictionary<string, string[][]>?> BusinessHoursAsync(long projectId, CancellationToken ct = default) =>
        Hours(await GetAsync<JsonElement>($"{Ai(projectId)}/business-hours", ct));

    public async Task<Dictionary<string, string[][]>?> SaveBusinessHoursAsync(long projectId, Dictionary<string, string[][]>? hours,
        CancellationToken ct = default) =>
        Hours(await SendAsync<JsonElement>(HttpMethod.Put, $"{Ai(projectId)}/business-hours",
            new StringContent(JsonSerializer.Serialize(hours), System.Text.Encoding.UTF8, "application/json"), ct));

    private static Dictionary<string, string[][]>? Hours(JsonElement json) =>
        json.ValueKind == JsonValueKind.Object ? json.Deserialize<Dictionary<string, string[][]>>() : null;

    /// <summary>The project's audited model calls, newest first; <paramref name="before"/>: the last id of the previous page.</summary>
    public Task<AiTurnItem[]> AiTurnsAsync(long projectId, long? before = null, int limit = 50, CancellationToken ct = default) =>
        GetAsync<AiTurnItem[]>($"{Ai(projectId)}/turns?limit={limit}" + (before is { } b ? $"&before={b}" : ""), ct);

    /// <summary>The agent's draft (or published version) answers the thread through the Worker; 202 with the run pending.</summary>
    public Task<AiTestRun> StartAiTestRunAsync(long projectId, long agentId, AiTestMessage[] messages, bool usePublished, CancellationToken ct = default) =>
        SendAsync<AiTestRun>(HttpMethod.Post, $"{Ai(projectId)}/agents/{agentId}/test-runs", new AiTestRunRequest(messages, usePublished), ct);

    public Task<AiTestRun> AiTestRunAsync(long projectId, long runId, CancellationToken ct = default) =>
        GetAsync<AiTestRun>($"{Ai(projectId)}/test-runs/{runId}", ct);
}
