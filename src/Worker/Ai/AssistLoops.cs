using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Ai;

/// <summary>Wakes the assist loop: a NOTIFY on 'ai' (a person asked).</summary>
public sealed class AiWakeup : Wakeup;

/// <summary>Wakes the classification loop: a NOTIFY on 'ai' (a conversation was resolved, a job was created).</summary>
public sealed class ClassifyWakeup : Wakeup;

/// <summary>LISTEN on 'ai' (a latency optimisation: the loops poll too). A wake-up has one waiter, so each loop has its own.</summary>
public sealed class AiListener(NpgsqlDataSource dataSource, AiWakeup assist, ClassifyWakeup classify, Dashboards.InsightsWakeup insights,
    IOptions<AiOptions> options, ILogger<AiListener> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Enabled
            ? Platform.Database.NotificationListener.RunAsync(dataSource, "ai", () => { assist.Signal(); classify.Signal(); insights.Signal(); }, logger, stoppingToken)
            : Task.CompletedTask;
}

/// <summary>The assist loop: requests from people, answered in seconds (NOTIFY 'ai' wakes it).</summary>
public sealed class AiAssistLoop(AiAssistant assistant, AiWakeup wakeup, WorkerLoops loops, WorkerIdentity identity, TimeProvider time,
    IOptions<AiOptions> options, ILogger<AiAssistLoop> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Enabled
            ? PeriodicLoop.RunAsync(loops, time, logger, "ai_assist", TimeSpan.FromSeconds(2), wakeup,
                ct => assistant.AssistBatchAsync(identity.Id, ct), stoppingToken, againWhenBusy: true)
            : Task.CompletedTask;
}

/// <summary>The classification loop: jobs on resolve, on demand and backfills, a batch at a time under the job's lease.</summary>
public sealed class ClassifyLoop(AiClassifier classifier, ClassifyWakeup wakeup, WorkerLoops loops, WorkerIdentity identity, TimeProvider time,
    IOptions<AiOptions> options, ILogger<ClassifyLoop> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Enabled
            ? PeriodicLoop.RunAsync(loops, time, logger, "classify", TimeSpan.FromSeconds(2), wakeup,
                ct => classifier.ClassifyBatchAsync(identity.Id, ct), stoppingToken, againWhenBusy: true)
            : Task.CompletedTask;
}
