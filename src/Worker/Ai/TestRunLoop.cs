using Dapper;
using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Ai;

/// <summary>A test chat claimed by bot.claim_ai_test_runs: the definition as it was when the admin asked.</summary>
public sealed record AiTestClaim(long Id, long ProjectId, long AgentId, long? VersionId, string Definition, string Messages, int AttemptCount);

/// <summary>What the agent would have done, for bot.finish_ai_test_run.</summary>
public sealed record AiTestOutcome(string Status, string? Action, string[] Replies, string? HandoffReason, string ToolCalls, string Measures,
    string Citations, decimal? Confidence, string? Error, int TokensIn, int TokensOut, int ModelMs);

/// <summary>
/// The agent editor's test chats (0035_ai_test_runs.sql): claimed under a lease and answered by
/// <see cref="AgentRunner.TestAsync"/>, a few at a time, apart from the conversations' loop so an admin's test never
/// waits behind customers nor takes their room. Heartbeat loop "ai_test".
/// </summary>
public sealed partial class TestRunLoop(
    NpgsqlDataSource db,
    AgentRunner runner,
    WorkerLoops loops,
    WorkerIdentity identity,
    TimeProvider time,
    IOptions<AiOptions> options,
    ILogger<TestRunLoop> logger) : BackgroundService
{
    public const string LoopName = "ai_test";
    public const int MaxParallel = 4;
    private readonly AiOptions _options = options.Value;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return Task.CompletedTask;
        var status = loops.Register(LoopName);
        return ClaimLoop.RunAsync(status, time, logger, MaxParallel, MaxParallel, _options.PollInterval,
            room => ClaimAsync(room), claim => RunOneAsync(claim, status, stoppingToken), _ => null, stoppingToken);
    }

    private async Task<IReadOnlyList<AiTestClaim>> ClaimAsync(int room)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<AiTestClaim>(
            "select id, project_id, agent_id, version_id, definition::text as definition, messages::text as messages, attempt_count from bot.claim_ai_test_runs(@worker, @room, @lease)",
            new { worker = identity.Id, room, lease = _options.LeaseSeconds })).ToList();
    }

    private async Task RunOneAsync(AiTestClaim claim, LoopStatus status, CancellationToken ct)
    {
        status.Started();
        try
        {
            var o = await runner.TestAsync(claim, identity.Id, ct);
            await using var connection = await db.OpenConnectionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition("""
                select bot.finish_ai_test_run(@id, @worker, @Status, @Action, @replies::jsonb, @HandoffReason, @ToolCalls::jsonb, @Measures::jsonb,
                    @Citations::jsonb, @Confidence, @Error, @TokensIn, @TokensOut, @ModelMs)
                """, new
            {
                id = claim.Id, worker = identity.Id, o.Status, o.Action, replies = System.Text.Json.JsonSerializer.Serialize(o.Replies), o.HandoffReason,
                o.ToolCalls, o.Measures, o.Citations, o.Confidence, o.Error, o.TokensIn, o.TokensOut, o.ModelMs,
            }, cancellationToken: ct));
            if (o.Status == "done") status.CountSent(); else status.CountRetried();
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // The lease runs out and the run is claimed again, at most three times (bot.claim_ai_test_runs).
            status.Error(ex.Message);
            LogUnexpected(logger, claim.Id, ex);
        }
        finally
        {
            status.Finished();
        }
    }

    [LoggerMessage(712, LogLevel.Error, "AI test run {RunId} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, long runId, Exception exception);
}
