using Dapper;
using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using Npgsql;

namespace MultichannelMessages.Worker.Mass;

/// <summary>
/// Number-health snapshots on a timer: every WhatsApp number without one for <see cref="CampaignOptions.HealthSnapshotSeconds"/>
/// gets one (ops.snapshot_due_numbers), from the counters kept as statuses arrive. Meta's signals (a quality or account
/// webhook, a 131048) take one at once in their own transaction; this pass catches the slow drifts (a read rate
/// sliding under its baseline) and keeps the history regular.
/// </summary>
public sealed class NumberHealthLoop(NpgsqlDataSource db, WorkerLoops loops, TimeProvider time, IOptions<CampaignOptions> options,
    ILogger<NumberHealthLoop> logger) : BackgroundService
{
    public const string LoopName = "number-health";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicLoop.RunAsync(loops, time, logger, LoopName, TimeSpan.FromSeconds(Math.Min(30, options.Value.HealthSnapshotSeconds)), null,
            async ct =>
            {
                await using var connection = await db.OpenConnectionAsync(ct);
                return await connection.ExecuteScalarAsync<int>(new CommandDefinition("select ops.snapshot_due_numbers(@stale)",
                    new { stale = options.Value.HealthSnapshotSeconds }, cancellationToken: ct));
            }, stoppingToken);
}

/// <summary>LISTEN on 'mass': a campaign paused, stopped or scheduled is planned at once (a latency optimisation only:
/// the database checks the campaign's status before every send anyway).</summary>
public sealed class CampaignListener(NpgsqlDataSource dataSource, CampaignWakeup wakeup, IOptions<CampaignOptions> options,
    ILogger<CampaignListener> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Enabled
            ? Platform.Database.NotificationListener.RunAsync(dataSource, "mass", wakeup.Signal, logger, stoppingToken)
            : Task.CompletedTask;
}
