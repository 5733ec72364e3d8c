using Microsoft.Extensions.Diagnostics.HealthChecks;
using MultichannelMessages.Platform.Database;
using Npgsql;

namespace MultichannelMessages.Platform.Hosting;

/// <summary>
/// The read replica as /health reports it: not configured; reachable, in recovery, with its replay lag; or unreachable
/// — Degraded, never Unhealthy: the service keeps working, its lag-tolerant reads go to the primary (ReadReplica), so a
/// load balancer must not take the instance out for it. An operator alerts on the check's status and lag instead.
/// </summary>
public sealed class ReplicaHealthCheck(ReadReplica replicas) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (replicas.Replica is not { } replica) return HealthCheckResult.Healthy("not configured: lag-tolerant reads go to the primary");
        try
        {
            await using var command = replica.CreateCommand("""
                select pg_is_in_recovery(), coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0)::float8
                """);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var inRecovery = reader.GetBoolean(0);
            var lag = reader.GetDouble(1);
            var data = new Dictionary<string, object> { ["in_recovery"] = inRecovery, ["replay_lag_seconds"] = Math.Round(lag, 1) };
            if (replicas.FellBackAt is { } at) data["last_fallback_at"] = at.ToString("O");
            return inRecovery
                ? HealthCheckResult.Healthy("reachable", data)
                : HealthCheckResult.Degraded("reachable but not a replica (not in recovery): check Database:ReadOnlyConnectionString", data: data);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Degraded("unreachable: lag-tolerant reads go to the primary (" + ex.Message + ")");
        }
    }
}
