using Dapper;
using Npgsql;

namespace MultichannelMessages.Worker.Bots;

/// <summary>A session claimed by bot.claim_flow_sessions (the lease is ours), with what one step needs.</summary>
public sealed record FlowClaim(long SessionId, long ConversationId, long ProjectId, long FlowId, long VersionId, string Definition,
    string? NodeId, string Phase, string Variables, int Retries, int Seq, long LastMessageId, DateTime ExpiresAt, int AttemptCount,
    string Channel, string? ContactName, string? ContactPhone, string ContactAttributes, string Language, bool InHours, string Inputs,
    int SentLastMinute);

/// <summary>One step to commit (bot.flow_commit): the session's new place, its status, and the actions in order as
/// JSON (<see cref="FlowRunner"/> builds them).</summary>
public sealed record FlowCommit(long SessionId, int Seq, string? NodeId, string Phase, string Variables, int Retries, int Steps,
    long LastMessageId, string Status, string? Reason, DateTime? DueAt, DateTime? ExpiresAt, string Actions, string[] Path,
    long? InputMessageId, int OverheadMs);

/// <summary>Dapper maps arrays through settable properties only, not record constructors.</summary>
public sealed class FlowCommitResult
{
    public string Outcome { get; set; } = "";
    public long[] MessageIds { get; set; } = [];
}

/// <summary>The chatbots' runtime calls (450_bot_runtime.sql): one round trip to claim, one to commit a step.</summary>
public sealed class FlowStore(NpgsqlDataSource db)
{
    public async Task<IReadOnlyList<FlowClaim>> ClaimAsync(string worker, int limit, int leaseSeconds, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<FlowClaim>(new CommandDefinition("""
            select session_id, conversation_id, project_id, flow_id, version_id, definition::text as definition, node_id, phase,
                   variables::text as variables, retries, seq, last_message_id, expires_at, attempt_count, channel, contact_name,
                   contact_phone, coalesce(contact_attributes, '{}')::text as contact_attributes, language, in_hours,
                   inputs::text as inputs, sent_last_minute
            from bot.claim_flow_sessions(@worker, @limit, @leaseSeconds)
            """, new { worker, limit, leaseSeconds }, cancellationToken: ct))).ToList();
    }

    public async Task<FlowCommitResult> CommitAsync(string worker, FlowCommit c, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleAsync<FlowCommitResult>(new CommandDefinition("""
            select outcome, message_ids
            from bot.flow_commit(@SessionId, @worker, @Seq, @NodeId, @Phase, @Variables::jsonb, @Retries, @Steps, @LastMessageId,
                                 @Status, @Reason, @DueAt, @ExpiresAt, @Actions::jsonb, @Path, @InputMessageId, @OverheadMs)
            """, new { c.SessionId, worker, c.Seq, c.NodeId, c.Phase, c.Variables, c.Retries, c.Steps, c.LastMessageId, c.Status, c.Reason,
                       c.DueAt, c.ExpiresAt, c.Actions, c.Path, c.InputMessageId, c.OverheadMs }, cancellationToken: ct));
    }

    public async Task ReleaseAsync(long sessionId, string worker, string error, int retryMs)
    {
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync("select bot.flow_release(@sessionId, @worker, @error, @retryMs)", new { sessionId, worker, error, retryMs });
    }
}
