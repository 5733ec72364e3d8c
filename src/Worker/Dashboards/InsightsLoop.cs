using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Ai;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using MultichannelMessages.Worker.Outbox;

namespace MultichannelMessages.Worker.Dashboards;

/// <summary>Wakes the insights loop: a NOTIFY on 'ai' (ops.dash_request_insights).</summary>
public sealed class InsightsWakeup : Wakeup;

/// <summary>The AI insights loop: runs asked from the console, one at a time under its lease (the AI loops' switch).</summary>
public sealed class InsightsLoop(InsightsWriter writer, InsightsWakeup wakeup, WorkerLoops loops, WorkerIdentity identity, TimeProvider time,
    IOptions<AiOptions> options, ILogger<InsightsLoop> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Enabled
            ? PeriodicLoop.RunAsync(loops, time, logger, "dashboard_insights", TimeSpan.FromSeconds(2), wakeup,
                ct => writer.WriteOneAsync(identity.Id, ct), stoppingToken, againWhenBusy: true)
            : Task.CompletedTask;
}
