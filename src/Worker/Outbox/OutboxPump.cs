using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Heartbeats;
using Npgsql;

namespace MultichannelMessages.Worker.Outbox;

/// <summary>
/// The outbox loop: claim a batch (FOR UPDATE SKIP LOCKED, so several Workers share the queue), hand each row to
/// the <see cref="OutboxSender"/>, claim again as soon as half a batch is done. When nothing is due it waits for the
/// poll interval or a NOTIFY on 'outbox', whichever comes first. On shutdown, sends in flight finish and are
/// recorded; rows not yet sent are handed back.
/// </summary>
public sealed class OutboxPump(
    OutboxStore store,
    OutboxSender sender,
    OutboxWakeup wakeup,
    WorkerLoops loops,
    WorkerIdentity identity,
    OutboxMetrics metrics,
    TimeProvider time,
    IOptions<OutboxOptions> options,
    ILogger<OutboxPump> logger) : BackgroundService
{
    public const string LoopName = "outbox";
    private static readonly TimeSpan MaxIdleBetweenIterations = TimeSpan.FromSeconds(1);
    private readonly OutboxOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return;
        var status = loops.Register(LoopName);
        var running = new List<Task>();
        OutboxLog.Started(logger, identity.Id, _options.BatchSize, _options.MaxParallelSends, _options.LeaseSeconds);
        try
        {
            var failures = 0;
            while (!stoppingToken.IsCancellationRequested)
            {
                status.Iterated(time.GetUtcNow());
                running.RemoveAll(t => t.IsCompleted);
                var room = _options.BatchSize - running.Count;
                // Refill once half a batch is free: claims stay large (one round trip for many rows).
                if (room < Math.Max(1, _options.BatchSize / 2))
                {
                    await Task.WhenAny(Task.WhenAny(running), Task.Delay(MaxIdleBetweenIterations, time, stoppingToken));
                    continue;
                }

                var claimed = await TryClaimAsync(room, status);
                if (claimed is null)
                {
                    failures++;
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, _options.PollIntervalMs * Math.Pow(2, Math.Min(failures, 8)))), time, stoppingToken);
                    continue;
                }
                failures = 0;
                // A finished send wakes the loop: the conversation's next message (held back until this one is done,
                // ops.claim_outbox) goes at once rather than after the poll interval.
                foreach (var item in claimed) running.Add(sender.ProcessAsync(item, status, stoppingToken).ContinueWith(
                    _ => wakeup.Signal(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
                if (claimed.Count < room) await wakeup.WaitAsync(_options.PollInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }

        var inFlight = running.Count(t => !t.IsCompleted);
        await Task.WhenAll(running);
        OutboxLog.Stopped(logger, identity.Id, inFlight);
    }

    private async Task<IReadOnlyList<OutboxItem>?> TryClaimAsync(int limit, LoopStatus status)
    {
        var started = time.GetTimestamp();
        IReadOnlyList<OutboxItem> batch;
        try
        {
            // Not cancelled by shutdown: a claim committed but never read would strand its rows until the lease
            // expires. Rows claimed while stopping are handed straight back by the sender.
            batch = await store.ClaimAsync(identity.Id, limit, _options.LeaseSeconds, CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            status.Error("claim: " + ex.Message);
            OutboxLog.ClaimFailed(logger, ex.Message);
            return null;
        }
        var claimedAt = time.GetTimestamp();
        var now = time.GetUtcNow();
        DateTime? oldestDue = null;
        foreach (var item in batch)
        {
            item.ClaimStartedAt = started;
            item.ClaimedAt = claimedAt;
            if (item.DueAt is { } due && (oldestDue is null || due < oldestDue)) oldestDue = due;
        }
        status.Claimed(now, batch.Count, oldestDue is { } o ? now - new DateTimeOffset(DateTime.SpecifyKind(o, DateTimeKind.Utc)) : null);
        metrics.Claimed(batch.Count);
        return batch;
    }
}
