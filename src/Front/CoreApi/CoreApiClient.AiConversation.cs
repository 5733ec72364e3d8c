using MultichannelMessages.Contracts.Ai;

namespace MultichannelMessages.Front.CoreApi;

// A conversation's AI as the rail shows and steers it: its state, turning the agent off or giving the conversation back,
// and the risky tool calls waiting for a person.
public sealed partial class CoreApiClient
{
    public Task<ConversationAi> ConversationAiAsync(long projectId, long conversationId, CancellationToken ct = default) =>
        GetAsync<ConversationAi>($"projects/{projectId}/conversations/{conversationId}/ai", ct);

    /// <summary>state: off (the agent stops here) or active (the agent answers again).</summary>
    public Task<ConversationAi> SetConversationAiAsync(long projectId, long conversationId, string state, CancellationToken ct = default) =>
        SendAsync<ConversationAi>(HttpMethod.Put, $"projects/{projectId}/conversations/{conversationId}/ai", new ConversationAiRequest(state), ct);

    public Task<AiToolApproval> DecideToolAsync(long projectId, long approvalId, bool approve, string? note, CancellationToken ct = default) =>
        SendAsync<AiToolApproval>(HttpMethod.Post, $"projects/{projectId}/ai/approvals/{approvalId}/decision", new AiToolDecision(approve, note), ct);
}

/// <summary>The AI permissions the conversation's rail and the AI agents module read (the Core API's Permissions.ReadAi,
/// ControlAi, ApproveAiTools, ManageAi).</summary>
public static class AiPermission
{
    public const string Read = "ai.read";
    public const string Control = "ai.control";
    public const string ApproveTools = "ai.approve_tools";
    public const string Manage = "ai.manage";
}
