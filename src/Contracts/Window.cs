namespace MultichannelMessages.Contracts.Window;

/// <summary>Meta's customer-service window of a conversation (chat.window_state).</summary>
public sealed record WindowState(string Channel, DateTime? LastInboundAt, DateTime? ExpiresAt, bool IsOpen, DateTime? ClosedSince,
    bool ViaHumanAgent, bool HumanAgentEnabled)
{
    /// <summary>Only an approved template may be sent.</summary>
    public bool TemplateOnly => !IsOpen;
}
