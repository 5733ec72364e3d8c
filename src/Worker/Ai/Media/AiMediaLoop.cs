using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using MultichannelMessages.Worker.Outbox;

namespace MultichannelMessages.Worker.Ai.Media;

/// <summary>
/// The loop that turns customers' media into text: claims due jobs (bot.claim_ai_media_jobs: FOR UPDATE SKIP LOCKED,
/// so Workers share the queue) and works up to MaxParallelJobs at once. Jobs are queued where a file becomes stored
/// (bot.on_media_stored), so polling finds them; the poll is short because an agent waits for a voice note's transcript
/// before answering. Liveness and counts go to the heartbeat as loop "ai_media".
/// </summary>
public sealed class AiMediaLoop(
    AiMediaStore store,
    MediaUnderstanding understanding,
    AiMediaWakeup wakeup,
    WorkerLoops loops,
    WorkerIdentity identity,
    TimeProvider time,
    IOptions<AiMediaOptions> options,
    ILogger<AiMediaLoop> logger) : BackgroundService
{
    public const string LoopName = "ai_media";
    private readonly AiMediaOptions _options = options.Value;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return Task.CompletedTask;
        var status = loops.Register(LoopName);
        return ClaimLoop.RunAsync(status, time, logger, _options.MaxParallelJobs, _options.BatchSize, _options.PollInterval,
            limit => store.ClaimAsync(identity.Id, limit, _options.LeaseSeconds, _options.MaxAttempts, CancellationToken.None),
            job => understanding.ProcessAsync(job, status, stoppingToken), job => job.CreatedAt, stoppingToken, wakeup);
    }
}

/// <summary>Wakes the AI media loop: a NOTIFY on 'ai_media' from bot.on_media_stored (a job was queued).</summary>
public sealed class AiMediaWakeup : Wakeup;

/// <summary>LISTEN on 'ai_media' (a latency optimisation: the loop polls too, so a lost notification costs one poll).</summary>
public sealed class AiMediaListener(Npgsql.NpgsqlDataSource dataSource, AiMediaWakeup wakeup, IOptions<AiMediaOptions> options,
    ILogger<AiMediaListener> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Enabled
            ? Platform.Database.NotificationListener.RunAsync(dataSource, "ai_media", wakeup.Signal, logger, stoppingToken)
            : Task.CompletedTask;
}
