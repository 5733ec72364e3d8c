using System.Net.Http.Headers;
using MultichannelMessages.Contracts.Bots;

namespace MultichannelMessages.Front.CoreApi;

// Chatbot flows (docs/chatbots.md): the flows and their drafts, publishing, the editor's test panel, where flows start,
// analytics, and a conversation's bot session in the rail.
public sealed partial class CoreApiClient
{
    public Task<FlowSummary[]> FlowsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<FlowSummary[]>($"projects/{projectId}/bots/flows", ct);

    public Task<FlowDetail> FlowAsync(long projectId, long flowId, CancellationToken ct = default) =>
        GetAsync<FlowDetail>($"projects/{projectId}/bots/flows/{flowId}", ct);

    public Task<FlowDetail> CreateFlowAsync(long projectId, string name, CancellationToken ct = default) =>
        SendAsync<FlowDetail>(HttpMethod.Post, $"projects/{projectId}/bots/flows", new FlowDraftRequest(name, null, null), ct);

    /// <summary>Saves the draft over <paramref name="revision"/> (409 draft_conflict when someone saved since).</summary>
    public Task<FlowDetail> SaveFlowAsync(long projectId, long flowId, FlowDefinition definition, int revision, CancellationToken ct = default) =>
        SendAsync<FlowDetail>(HttpMethod.Put, $"projects/{projectId}/bots/flows/{flowId}", new FlowDraftRequest(null, definition, revision), ct);

    /// <summary>A save without a definition: the name only (400 invalid_name, name_taken).</summary>
    public Task<FlowDetail> RenameFlowAsync(long projectId, long flowId, string name, int revision, CancellationToken ct = default) =>
        SendAsync<FlowDetail>(HttpMethod.Put, $"projects/{projectId}/bots/flows/{flowId}", new FlowDraftRequest(name, null, revision), ct);

    /// <summary>422 flow_invalid with the problems (CoreApiException.Problem's "problems") when the draft cannot run.</summary>
    public Task<FlowDetail> PublishFlowAsync(long projectId, long flowId, CancellationToken ct = default) =>
        SendAsync<FlowDetail>(HttpMethod.Post, $"projects/{projectId}/bots/flows/{flowId}/publish", null, ct);

    public Task<FlowVersionItem[]> FlowVersionsAsync(long projectId, long flowId, CancellationToken ct = default) =>
        GetAsync<FlowVersionItem[]>($"projects/{projectId}/bots/flows/{flowId}/versions", ct);

    public Task ArchiveFlowAsync(long projectId, long flowId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"projects/{projectId}/bots/flows/{flowId}/archive", null, ct);

    public Task<FlowTestResult> TestFlowAsync(long projectId, long flowId, FlowTestRequest request, CancellationToken ct = default) =>
        SendAsync<FlowTestResult>(HttpMethod.Post, $"projects/{projectId}/bots/flows/{flowId}/test", request, ct);

    public Task<FlowAnalytics> FlowAnalyticsAsync(long projectId, long flowId, DateTime from, DateTime to, CancellationToken ct = default) =>
        GetAsync<FlowAnalytics>($"projects/{projectId}/bots/flows/{flowId}/analytics?from={from:O}&to={to:O}", ct);

    public Task<FlowActivation[]> FlowActivationsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<FlowActivation[]>($"projects/{projectId}/bots/activations", ct);

    public Task<FlowActivation> CreateFlowActivationAsync(long projectId, FlowActivationRequest request, CancellationToken ct = default) =>
        SendAsync<FlowActivation>(HttpMethod.Post, $"projects/{projectId}/bots/activations", request, ct);

    public Task<FlowActivation> UpdateFlowActivationAsync(long projectId, long activationId, FlowActivationRequest request, CancellationToken ct = default) =>
        SendAsync<FlowActivation>(HttpMethod.Put, $"projects/{projectId}/bots/activations/{activationId}", request, ct);

    public Task DeleteFlowActivationAsync(long projectId, long activationId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"projects/{projectId}/bots/activations/{activationId}", null, ct);

    /// <summary>A legacy export (docs/chatbots-legacy-import.md), streamed as it is read: flows created or updated by
    /// their legacy id, with the report of what could not be mapped.</summary>
    public Task<FlowImportReport> ImportFlowsAsync(long projectId, Stream export, CancellationToken ct = default)
    {
        var content = new StreamContent(export);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return SendAsync<FlowImportReport>(HttpMethod.Post, $"projects/{projectId}/bots/import", content, ct);
    }

    public Task<ConversationBot> ConversationBotAsync(long projectId, long conversationId, CancellationToken ct = default) =>
        GetAsync<ConversationBot>($"projects/{projectId}/conversations/{conversationId}/bot", ct);

    /// <summary>state: off (the bot stops here) or active (it resumes where it stopped).</summary>
    public Task<ConversationBot> SetConversationBotAsync(long projectId, long conversationId, string state, CancellationToken ct = default) =>
        SendAsync<ConversationBot>(HttpMethod.Put, $"projects/{projectId}/conversations/{conversationId}/bot", new ConversationBotRequest(state), ct);
}

/// <summary>The chatbot permissions the module and the rail read (the Core API's Permissions.ReadBots, ManageBots, ControlBots).</summary>
public static class BotPermission
{
    public const string Read = "bots.read";
    public const string Manage = "bots.manage";
    public const string Control = "bots.control";
}
