using MultichannelMessages.Worker.Heartbeats;
using Npgsql;

namespace MultichannelMessages.Worker.Loops;

/// <summary>
/// One named loop that calls a unit of work on a timer (or earlier when woken), reports each pass to the heartbeats
/// and survives database hiccups: the Worker's small scheduled jobs (assignment, lock expiry, purges, retention) run
/// through it, so each is only its work.
/// </summary>
public static partial class PeriodicLoop
{
    /// <param name="wake">Ends the wait early (a NOTIFY); null to wait the whole interval.</param>
    /// <param name="againWhenBusy">Run again at once after a pass that did something (a queue with more behind it).</param>
    public static async Task RunAsync(WorkerLoops loops, TimeProvider time, ILogger logger, string name, TimeSpan interval,
        Wakeup? wake, Func<CancellationToken, Task<int>> work, CancellationToken ct, bool againWhenBusy = false)
    {
        var status = loops.Register(name);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var done = await work(ct);
                status.Iterated(time.GetUtcNow());
                status.Claimed(time.GetUtcNow(), done, null);
                if (done > 0) LogWorked(logger, name, done);
                if (done > 0 && againWhenBusy) continue;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                status.Error(ex.Message);
                LogFailed(logger, name, ex);
            }
            try
            {
                // Announce the sleep: an hourly job waiting for its hour is alive, not stale (Heartbeats:StaleAfter).
                status.Idle(time.GetUtcNow() + interval);
                if (wake is null) await Task.Delay(interval, time, ct);
                else await wake.WaitAsync(interval, ct); // wake-ups while the pass ran collapse into one
                status.Idle(time.GetUtcNow());
            }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Calls a purge function batch after batch until a short one: a backlog is cleared in one pass, each
    /// batch its own short transaction.</summary>
    public static async Task<int> DrainAsync(int batchSize, Func<CancellationToken, Task<int>> batch, CancellationToken ct)
    {
        var total = 0;
        int done;
        do
        {
            done = await batch(ct);
            total += done;
        } while (done == batchSize && !ct.IsCancellationRequested);
        return total;
    }

    [LoggerMessage(400, LogLevel.Information, "{Loop}: {Count} done")]
    private static partial void LogWorked(ILogger logger, string loop, int count);

    [LoggerMessage(401, LogLevel.Warning, "{Loop} failed; trying again")]
    private static partial void LogFailed(ILogger logger, string loop, Exception exception);
}
