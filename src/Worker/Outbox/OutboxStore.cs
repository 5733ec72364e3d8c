using Dapper;
using Npgsql;

namespace MultichannelMessages.Worker.Outbox;

/// <summary>The Worker's side of ops.outbox (db/functions/200_ops_outbox.sql). Every call that changes a row names
/// the worker: it returns false when the lease was lost (expired and taken over), and changes nothing.</summary>
public sealed class OutboxStore(NpgsqlDataSource dataSource)
{
    // The claim's snake_case columns map onto OutboxItem by name (Platform sets this too; a store built without
    // the service defaults, as in tests, must not depend on it).
    static OutboxStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    public async Task<IReadOnlyList<OutboxItem>> ClaimAsync(string worker, int limit, int leaseSeconds, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<OutboxItem>(new CommandDefinition(
            "select * from ops.claim_outbox(@worker, @limit, @leaseSeconds)",
            new { worker, limit, leaseSeconds }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>Several writes in one round trip and one transaction (so one commit, and one NOTIFY from the
    /// functions that send one). A database error fails the whole batch; the caller decides what to retry.</summary>
    public async Task<bool[]> WriteAsync(IReadOnlyList<OutboxWrite> writes, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        var messageLocks = LockMessagesInIdOrder(writes);
        if (messageLocks is not null) batch.BatchCommands.Add(messageLocks);
        foreach (var write in writes) batch.BatchCommands.Add(write.ToCommand());
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (messageLocks is not null) await reader.NextResultAsync(ct);
        var results = new bool[writes.Count];
        for (var i = 0; i < results.Length; i++)
        {
            if (i > 0) await reader.NextResultAsync(ct);
            results[i] = await reader.ReadAsync(ct) && reader.GetBoolean(0);
        }
        return results;
    }

    /// <summary>Two completions or failures in one transaction would lock their messages in the order Meta answered,
    /// and ingestion's adoption of their early statuses locks them in id order: each side held one message waiting for
    /// the other (40P01). So the batch takes all its messages first, in id order (ops.lock_outbox_messages).</summary>
    private static NpgsqlBatchCommand? LockMessagesInIdOrder(IReadOnlyList<OutboxWrite> writes)
    {
        var outboxIds = writes.Where(w => w.WritesMessage).Select(w => w.OutboxId).ToArray();
        if (outboxIds.Length < 2) return null; // one write locks its own message first
        return new NpgsqlBatchCommand("select ops.lock_outbox_messages($1)")
        {
            Parameters = { new NpgsqlParameter<long[]> { TypedValue = outboxIds } },
        };
    }

    public async Task<bool> WriteAsync(OutboxWrite write, CancellationToken ct) => (await WriteAsync([write], ct))[0];

    public Task<bool> StartSendAsync(long outboxId, string worker, CancellationToken ct) =>
        WriteAsync(new StartSend(outboxId, worker), ct);

    public Task<bool> CompleteAsync(long outboxId, string worker, string providerMessageId, CancellationToken ct) =>
        WriteAsync(new CompleteSend(outboxId, worker, providerMessageId), ct);

    public Task<bool> RetryAsync(long outboxId, string worker, string error, TimeSpan delay, CancellationToken ct) =>
        WriteAsync(new RetrySend(outboxId, worker, error, delay), ct);

    public Task<bool> DeferAsync(long outboxId, string worker, TimeSpan delay, CancellationToken ct) =>
        WriteAsync(new DeferSend(outboxId, worker, delay), ct);

    public Task<bool> FailAsync(long outboxId, string worker, int? errorCode, string? errorTitle, string? errorDetails,
        string reason, CancellationToken ct) =>
        WriteAsync(new FailSend(outboxId, worker, errorCode, errorTitle, errorDetails, reason), ct);
}
