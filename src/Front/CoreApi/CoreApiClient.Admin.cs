namespace MultichannelMessages.Front.CoreApi;

// The Admin module's endpoints (src/CoreApi/Collaboration/Team/*): queues, their members and routing rules.

public sealed partial class CoreApiClient
{
    public Task<QueueSetting[]> QueueSettingsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<QueueSetting[]>($"projects/{projectId}/queue-settings", ct);

    public Task<QueueSetting> CreateQueueAsync(long projectId, string? name, bool autoAssign, int? maxOpenPerAgent, CancellationToken ct = default) =>
        SendAsync<QueueSetting>(HttpMethod.Post, $"projects/{projectId}/queues", new QueueRequest(name, autoAssign, maxOpenPerAgent), ct);

    /// <summary>Null leaves a setting as it is.</summary>
    public Task<QueueSetting> UpdateQueueAsync(long projectId, long queueId, string? name, bool? autoAssign, int? maxOpenPerAgent,
        CancellationToken ct = default) =>
        SendAsync<QueueSetting>(HttpMethod.Patch, $"projects/{projectId}/queues/{queueId}", new QueueRequest(name, autoAssign, maxOpenPerAgent), ct);

    public Task<MemberItem[]> QueueMembersAsync(long projectId, long queueId, CancellationToken ct = default) =>
        GetAsync<MemberItem[]>($"projects/{projectId}/queues/{queueId}/members", ct);

    public Task SetQueueMemberAsync(long projectId, long queueId, long userId, bool member, CancellationToken ct = default) =>
        SendAsync(member ? HttpMethod.Put : HttpMethod.Delete, $"projects/{projectId}/queues/{queueId}/members/{userId}", null, ct);

    public Task<RuleItem[]> RoutingRulesAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<RuleItem[]>($"projects/{projectId}/routing-rules", ct);

    public Task<RuleItem> AddRoutingRuleAsync(long projectId, RuleRequest rule, CancellationToken ct = default) =>
        SendAsync<RuleItem>(HttpMethod.Post, $"projects/{projectId}/routing-rules", rule, ct);

    public Task DeleteRoutingRuleAsync(long projectId, long ruleId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"projects/{projectId}/routing-rules/{ruleId}", null, ct);

    /// <summary>Admin → Modules: every module's switch and readiness checklist (project.configure).</summary>
    public Task<ModuleStatus[]> ModulesAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<ModuleStatus[]>($"projects/{projectId}/modules", ct);

    public Task<ModuleStatus[]> SwitchModuleAsync(long projectId, string module, bool enabled, CancellationToken ct = default) =>
        SendAsync<ModuleStatus[]>(HttpMethod.Put, $"projects/{projectId}/modules/{Uri.EscapeDataString(module)}", new ModuleSwitchRequest(enabled), ct);
}
