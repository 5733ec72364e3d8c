using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Outbox;
using MultichannelMessages.Worker.Loops;
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

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return Task.CompletedTask;
        var status = loops.Register(LoopName);
        return ClaimLoop.RunAsync(status, time, logger, _options.MaxConcurrentConversations, 50, _options.PollInterval,
            room => store.ClaimAsync(identity.Id, room, _options.LeaseSeconds, CancellationToken.None),
            claim => RunOneAsync(claim, status, stoppingToken), _ => null, stoppingToken);
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

    [LoggerMessage(711, LogLevel.Error, "AI run of conversation {ConversationId} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, long conversationId, Exception exception);
}
