using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Heartbeats;

/// <summary>Unhealthy when a registered loop has stopped iterating (stuck, or its task ended with an error); degraded
/// while a Meta host's circuit breaker is open.</summary>
public sealed class LoopHealthCheck(WorkerLoops loops, GraphCircuits circuits, TimeProvider time, IOptions<HeartbeatOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var stale = loops.All.Where(l => l.IsStale(now, options.Value.StaleAfter)).Select(l => l.Name).ToList();
        var data = loops.All.ToDictionary(l => l.Name, l => (object)(l.IteratedAt?.ToString("O") ?? "never"));
        var paused = circuits.Snapshot().Where(c => circuits.IsOpen(c.Host, out _)).Select(c => c.Host).ToList();
        foreach (var host in paused) data["graph:" + host] = "open";
        return Task.FromResult(stale.Count > 0
            ? HealthCheckResult.Unhealthy("stale: " + string.Join(", ", stale), data: data)
            // The Worker works, but Meta's host is failing and its sends wait: degraded, not dead.
            : paused.Count > 0
                ? HealthCheckResult.Degraded("Meta host paused by its circuit breaker: " + string.Join(", ", paused), data: data)
                : HealthCheckResult.Healthy($"{data.Count} loops iterating", data));
    }
}
