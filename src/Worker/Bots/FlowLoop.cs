using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Bots;

/// <summary>Wakes the bot loop: a NOTIFY on 'bot' (ingestion woke or started a session, a person handed one back).</summary>
public sealed class BotWakeup : Wakeup;

/// <summary>LISTEN on 'bot': a customer's answer is stepped in milliseconds instead of at the next poll. Only a latency
/// optimisation: the loop polls too (timers and expiries end on the clock).</summary>
public sealed class BotListener(NpgsqlDataSource dataSource, BotWakeup wakeup, IOptions<BotOptions> options, ILogger<BotListener> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Enabled
            ? Platform.Database.NotificationListener.RunAsync(dataSource, "bot", wakeup.Signal, logger, stoppingToken)
            : Task.CompletedTask;
}

/// <summary>
/// The chatbots' loop: claims due sessions (bot.claim_flow_sessions: FOR UPDATE SKIP LOCKED, so Workers share them and
/// a session is stepped by one at a time) and steps up to <see cref="BotOptions.MaxConcurrentSessions"/> at once.
/// A Worker that dies mid-step leaves its sessions leased for <see cref="BotOptions.LeaseSeconds"/>; then another
/// claims them, and the step's idempotent sends make sure nothing goes out twice. Heartbeat loop "bots".
/// </summary>
public sealed partial class FlowLoop(
    FlowStore store,
    FlowRunner runner,
    BotWakeup wakeup,
    WorkerLoops loops,
    WorkerIdentity identity,
    TimeProvider time,
    IOptions<BotOptions> options,
    ILogger<FlowLoop> logger) : BackgroundService
{
    public const string LoopName = "bots";
    private readonly BotOptions _options = options.Value;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return Task.CompletedTask;
        var status = loops.Register(LoopName);
        return ClaimLoop.RunAsync(status, time, logger, _options.MaxConcurrentSessions, 50, _options.PollInterval,
            room => store.ClaimAsync(identity.Id, room, _options.LeaseSeconds, CancellationToken.None),
            claim => StepAsync(claim, status, stoppingToken), _ => null, stoppingToken, wakeup);
    }

    /// <summary>bot.flow_release fails a session at its fifth attempt; a claim past that means the earlier claims'
    /// Workers stopped mid-step (their leases ran out, nothing released).</summary>
    private const int MaxAttempts = 5;

    private async Task StepAsync(FlowClaim claim, LoopStatus status, CancellationToken ct)
    {
        status.Started();
        try
        {
            if (claim.AttemptCount > MaxAttempts)
            {
                // A step that stops its Worker (a crash, an out-of-memory kill) must not stop every Worker in turn as
                // each takes the session over: it fails, for people to take (released at its attempt count = failed).
                LogAbandoned(logger, claim.SessionId, claim.AttemptCount);
                await store.ReleaseAsync(claim.SessionId, identity.Id, $"abandoned: claimed {claim.AttemptCount} times, every Worker stopped mid-step",
                    _options.RetryBaseMs);
                return;
            }
            var outcome = await runner.StepAsync(claim, identity.Id, ct);
            if (outcome == "committed") status.CountSent();
            else LogNotCommitted(logger, claim.SessionId, outcome);
        }
        catch (Exception ex)
        {
            // The session comes back after a backoff; the fifth failure ends it (failed) for people to take.
            status.Error(ex.Message);
            status.CountRetried();
            LogStepFailed(logger, claim.SessionId, ex);
            try { await store.ReleaseAsync(claim.SessionId, identity.Id, ex.GetType().Name + ": " + ex.Message, _options.RetryBaseMs); }
            catch (Exception inner) when (inner is NpgsqlException or TimeoutException) { LogStepFailed(logger, claim.SessionId, inner); }
        }
        finally
        {
            status.Finished();
        }
    }

    [LoggerMessage(780, LogLevel.Information, "Bot session {SessionId}: step not committed ({Outcome})")]
    private static partial void LogNotCommitted(ILogger logger, long sessionId, string outcome);

    [LoggerMessage(782, LogLevel.Error, "Bot session {SessionId}: claimed {Attempts} times without a step finishing (its Workers stopped mid-step); failed for people to take")]
    private static partial void LogAbandoned(ILogger logger, long sessionId, int attempts);

    [LoggerMessage(781, LogLevel.Error, "Bot session {SessionId}: step failed")]
    private static partial void LogStepFailed(ILogger logger, long sessionId, Exception exception);
}
