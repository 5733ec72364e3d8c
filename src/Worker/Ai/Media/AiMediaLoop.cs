using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Ai.Media;

/// <summary>
/// The loop that turns customers' media into text: claims due jobs (bot.claim_ai_media_jobs: FOR UPDATE SKIP LOCKED,
/// so Workers share the queue) and works up to MaxParallelJobs at once. Jobs are queued where a file becomes stored
/// (bot.on_media_stored), so polling finds them; the poll is short because an agent waits for a voice note's transcript
/// before answering. Liveness and counts go to the heartbeat as loop "ai_media".
/// </summary>
public sealed partial class AiMediaLoop(
    AiMediaStore store,
    MediaUnderstanding understanding,
    WorkerLoops loops,
    WorkerIdentity identity,
    TimeProvider time,
    IOptions<AiMediaOptions> options,
    ILogger<AiMediaLoop> logger) : BackgroundService
{
    public const string LoopName = "ai_media";
    private readonly AiMediaOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return;
        var status = loops.Register(LoopName);
        var running = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                status.Iterated(time.GetUtcNow());
                running.RemoveAll(t => t.IsCompleted);
                var room = _options.MaxParallelJobs - running.Count;
                if (room <= 0)
                {
                    // Bounded so the loop still iterates (and beats) while long transcriptions run.
                    await Task.WhenAny(Task.WhenAny(running), Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken));
                    continue;
                }
                IReadOnlyList<AiMediaJob> claimed;
                try
                {
                    // Not cancelled by shutdown: a committed claim that is never read strands its rows until the lease expires.
                    claimed = await store.ClaimAsync(identity.Id, Math.Min(room, _options.BatchSize), _options.LeaseSeconds, _options.MaxAttempts,
                        CancellationToken.None);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    status.Error("claim: " + ex.Message);
                    LogClaimFailed(logger, ex.Message);
                    await Task.Delay(_options.PollInterval, time, stoppingToken);
                    continue;
                }
                var now = time.GetUtcNow();
                var oldest = claimed.Count == 0 ? (DateTime?)null : claimed.Min(c => c.CreatedAt);
                status.Claimed(now, claimed.Count, oldest is { } o ? now - new DateTimeOffset(DateTime.SpecifyKind(o, DateTimeKind.Utc)) : null);
                foreach (var job in claimed) running.Add(understanding.ProcessAsync(job, status, stoppingToken));
                if (claimed.Count < room) await Task.Delay(_options.PollInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        await Task.WhenAll(running);
    }

    [LoggerMessage(725, LogLevel.Warning, "Claiming AI media jobs failed: {Error}")]
    private static partial void LogClaimFailed(ILogger logger, string error);
}
