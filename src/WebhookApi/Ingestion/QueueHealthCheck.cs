using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.WebhookApi.Ingestion;

/// <summary>Reports the queue depth; degraded when the queue is more than half full (the flusher is falling behind).</summary>
public sealed class QueueHealthCheck(IngestQueue queue, IOptions<IngestOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var depth = queue.Depth;
        var data = new Dictionary<string, object> { ["depth"] = depth, ["capacity"] = options.Value.QueueCapacity, ["ackMode"] = options.Value.AckMode.ToString() };
        var status = depth > options.Value.QueueCapacity / 2 ? HealthStatus.Degraded : HealthStatus.Healthy;
        return Task.FromResult(new HealthCheckResult(status, $"{depth} queued", data: data));
    }
}
