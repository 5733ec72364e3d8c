using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using Npgsql;

namespace MultichannelMessages.Worker.Calls;

/// <summary>
/// The call actions loop (docs/calls.md): claims due calls.actions (FOR UPDATE SKIP LOCKED with a lease, so several
/// Workers share the queue and never send one action twice) and works up to Calls:MaxParallel at once. Woken by
/// NOTIFY call_actions the moment an action is queued (an accept has about 30 s), polled as a fallback. Liveness and
/// counts go to the heartbeat as loop "call_actions".
/// </summary>
public sealed class CallActionLoop(
    NpgsqlDataSource db,
    CallActionStore store,
    CallActionRunner runner,
    WorkerLoops loops,
    TimeProvider time,
    IOptions<CallActionOptions> options,
    ILogger<CallActionLoop> logger) : BackgroundService
{
    public const string LoopName = "call_actions";
    public const string Channel = "call_actions";
    private readonly CallActionOptions _options = options.Value;
    private readonly Wakeup _wake = new();

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return Task.CompletedTask;
        _ = NotificationListener.RunAsync(db, Channel, _wake.Signal, logger, stoppingToken);
        var status = loops.Register(LoopName);
        return ClaimLoop.RunAsync(status, time, logger, _options.MaxParallel, 50, _options.PollInterval,
            room => store.ClaimAsync(room, _options.LeaseSeconds), action => RunOneAsync(action, status, stoppingToken),
            action => action.QueuedAt, stoppingToken, _wake);
    }

    private async Task RunOneAsync(CallAction action, LoopStatus status, CancellationToken ct)
    {
        status.Started();
        try
        {
            switch (await runner.RunAsync(action, ct))
            {
                case CallActionOutcome.Done: status.CountSent(); break;
                case CallActionOutcome.Retried: status.CountRetried(); break;
                case CallActionOutcome.Failed: status.CountFailed(); break;
                case CallActionOutcome.LeaseLost: status.CountLeaseLost(); break;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception ex)
        {
            // The lease runs out and the action is claimed again; the loop goes on.
            status.Error(ex.Message);
            CallLog.Unexpected(logger, action.ActionId, ex);
        }
        finally
        {
            status.Finished();
        }
    }
}
