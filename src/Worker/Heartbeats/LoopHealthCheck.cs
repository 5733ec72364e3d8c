using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.Worker.Heartbeats;

/// <summary>Unhealthy when a registered loop has stopped iterating (stuck, or its task ended with an error).</summary>
public sealed class LoopHealthCheck(WorkerLoops loops, TimeProvider time, IOptions<HeartbeatOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var stale = loops.All.Where(l => l.IsStale(now, options.Value.StaleAfter)).Select(l => l.Name).ToList();
        var data = loops.All.ToDictionary(l => l.Name, l => (object)(l.IteratedAt?.ToString("O") ?? "never"));
        return Task.FromResult(stale.Count == 0
            ? HealthCheckResult.Healthy($"{data.Count} loops iterating", data)
            : HealthCheckResult.Unhealthy("stale: " + string.Join(", ", stale), data: data));
    }
}
