using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Ai;

/// <summary>
/// The AI agents' loop: claims conversations whose debounce is over (bot.claim_ai_conversations: FOR UPDATE SKIP
/// LOCKED, so Workers share the queue) and runs up to <see cref="AiOptions.MaxConcurrentConversations"/> at once, each
/// waiting on the model most of its time. Liveness and counts go to the heartbeat as loop "ai".
/// </summary>
public sealed partial class AiLoop(
    AiStore store,
    AgentRunner runner,
    WorkerLoops loops,
    WorkerIdentity identity,
    TimeProvider time,
    IOptions<AiOptions> options,
    ILogger<AiLoop> logger) : BackgroundService
{
    public const string LoopName = "ai";
    private readonly AiOptions _options = options.Value;

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
                var room = _options.MaxConcurrentConversations - running.Count;
                if (room <= 0)
                {
                    await Task.WhenAny(Task.WhenAny(running), Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken));
                    continue;
                }
                IReadOnlyList<AiClaim> claimed;
                try
                {
                    // Not cancelled by shutdown: a committed claim that is never read strands its rows until the lease expires.
                    claimed = await store.ClaimAsync(identity.Id, Math.Min(room, 50), _options.LeaseSeconds, CancellationToken.None);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    status.Error("claim: " + ex.Message);
                    LogClaimFailed(logger, ex.Message);
                    await Task.Delay(_options.PollInterval, time, stoppingToken);
                    continue;
                }
                status.Claimed(time.GetUtcNow(), claimed.Count, null);
                foreach (var claim in claimed) running.Add(RunOneAsync(claim, status, stoppingToken));
                if (claimed.Count < room) await Task.Delay(_options.PollInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        await Task.WhenAll(running);
    }

    private async Task RunOneAsync(AiClaim claim, LoopStatus status, CancellationToken ct)
    {
        status.Started();
        try
        {
            var outcome = await runner.RunAsync(claim, identity.Id, ct);
            if (outcome == RunOutcome.Failed) status.CountRetried();
            else if (outcome != RunOutcome.Nothing) status.CountSent();
        }
        catch (Exception ex)
        {
            // The lease runs out and the conversation is claimed again; the loop goes on.
            status.Error(ex.Message);
            LogUnexpected(logger, claim.ConversationId, ex);
            try { await store.FinishAsync(claim.ConversationId, identity.Id, null, null, 0, ex.GetType().Name + ": " + ex.Message, _options.RetryBaseMs); }
            catch (Exception inner) when (inner is NpgsqlException or TimeoutException) { LogUnexpected(logger, claim.ConversationId, inner); }
        }
        finally
        {
            status.Finished();
        }
    }

    [LoggerMessage(710, LogLevel.Warning, "AI claim failed: {Error}")]
    private static partial void LogClaimFailed(ILogger logger, string error);

    [LoggerMessage(711, LogLevel.Error, "AI run of conversation {ConversationId} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, long conversationId, Exception exception);
}
