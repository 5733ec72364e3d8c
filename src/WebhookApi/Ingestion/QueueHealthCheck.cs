using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.WebhookApi.Ingestion;

/// <summary>Reports the queue depth and the normalization backlog; degraded when either is more than half full (the
/// raw stage or the normalizing stage is falling behind).</summary>
public sealed class QueueHealthCheck(IngestQueue queue, NormalizeQueue normalizeQueue, IOptions<IngestOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        var (depth, backlog) = (queue.Depth, normalizeQueue.Depth);
        var data = new Dictionary<string, object>
        {
            ["depth"] = depth, ["capacity"] = o.QueueCapacity, ["ackMode"] = o.AckMode.ToString(),
            ["normalizeBacklog"] = backlog, ["maxNormalizeBacklog"] = o.MaxNormalizeBacklog,
        };
        var status = depth > o.QueueCapacity / 2 || backlog > o.MaxNormalizeBacklog / 2 ? HealthStatus.Degraded : HealthStatus.Healthy;
        return Task.FromResult(new HealthCheckResult(status, $"{depth} queued, {backlog} to normalize", data: data));
    }
}
