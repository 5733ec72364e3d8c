using MultichannelMessages.Worker.Heartbeats;
using Npgsql;

namespace MultichannelMessages.Worker.Loops;

/// <summary>
/// The shape of a lease-based queue loop: claim as many rows as there is room for, work each claimed row as its own
/// task up to <c>maxParallel</c> at once, and wait for the poll interval when the queue gave less than there was room
/// for. The claim is never cancelled by shutdown: a committed claim that is never read strands its rows until their
/// lease expires. A failed claim is reported to the heartbeat and tried again after the interval; on shutdown the loop
/// waits for the work in flight. The AI agents', media and manual loops run on it (the outbox and media download loops
/// predate it and have the same shape written out).
/// </summary>
public static partial class ClaimLoop
{
    /// <param name="claim">Claims up to the given number of rows (leased to this Worker).</param>
    /// <param name="work">Works one claimed row; it records its own outcome and must not throw for a row's failure.</param>
    /// <param name="queuedAt">When a row became due, for the heartbeat's queue lag; null when unknown.</param>
    /// <param name="wakeup">Ends the idle wait early (a NOTIFY on the loop's channel); null: the poll alone.</param>
    public static Task RunAsync<T>(LoopStatus status, TimeProvider time, ILogger logger, int maxParallel, int batchSize, TimeSpan poll,
        Func<int, Task<IReadOnlyList<T>>> claim, Func<T, Task> work, Func<T, DateTime?> queuedAt, CancellationToken stoppingToken,
        Wakeup? wakeup = null) =>
        RunAsync(status, time, logger, maxParallel, batchSize, poll, async room => new ClaimBatch<T>(await claim(room), null), work, queuedAt,
            stoppingToken, wakeup);

    /// <summary>As above, for a queue that knows when its next row falls due (<see cref="ClaimBatch{T}.NextDueIn"/>):
    /// the idle wait ends then, when that is sooner than the poll, so a row due in 40 ms is claimed in 40 ms, alone,
    /// instead of with the others that fell due during a whole poll interval.</summary>
    public static async Task RunAsync<T>(LoopStatus status, TimeProvider time, ILogger logger, int maxParallel, int batchSize, TimeSpan poll,
        Func<int, Task<ClaimBatch<T>>> claim, Func<T, Task> work, Func<T, DateTime?> queuedAt, CancellationToken stoppingToken,
        Wakeup? wakeup = null)
    {
        var running = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                status.Iterated(time.GetUtcNow());
                running.RemoveAll(t => t.IsCompleted);
                var room = maxParallel - running.Count;
                if (room <= 0)
                {
                    // Bounded so the loop still iterates (and beats) while long work runs.
                    await Task.WhenAny(Task.WhenAny(running), Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken));
                    continue;
                }
                IReadOnlyList<T> claimed;
                TimeSpan? nextDueIn;
                try
                {
                    (claimed, nextDueIn) = await claim(Math.Min(room, batchSize));
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    status.Error("claim: " + ex.Message);
                    LogClaimFailed(logger, status.Name, ex.Message);
                    await Task.Delay(poll, time, stoppingToken);
                    continue;
                }
                var now = time.GetUtcNow();
                var oldest = claimed.Select(queuedAt).Where(at => at is not null).Min();
                status.Claimed(now, claimed.Count, oldest is { } o ? now - new DateTimeOffset(DateTime.SpecifyKind(o, DateTimeKind.Utc)) : null);
                foreach (var row in claimed) running.Add(work(row));
                if (claimed.Count >= room) continue;
                var wait = IdleWait(poll, nextDueIn);
                if (wakeup is null) await Task.Delay(wait, time, stoppingToken);
                else await wakeup.WaitAsync(wait, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        await Task.WhenAll(running);
    }

    /// <summary>The poll, or less when the next row falls due sooner (at least a millisecond: never a busy loop).</summary>
    public static TimeSpan IdleWait(TimeSpan poll, TimeSpan? nextDueIn) =>
        nextDueIn is { } due && due < poll ? (due < MinimumWait ? MinimumWait : due) : poll;

    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(1);

    [LoggerMessage(730, LogLevel.Warning, "{Loop}: claiming failed: {Error}")]
    private static partial void LogClaimFailed(ILogger logger, string loop, string error);
}

/// <summary>What a claim took, and how long until the queue's next row falls due (null: unknown or none; the loop polls).</summary>
public sealed record ClaimBatch<T>(IReadOnlyList<T> Rows, TimeSpan? NextDueIn);
