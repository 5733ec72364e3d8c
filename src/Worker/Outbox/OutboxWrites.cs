using Npgsql;
using NpgsqlTypes;

namespace MultichannelMessages.Worker.Outbox;

/// <summary>
/// One call that changes a claimed row, named after its database function. Each returns whether the lease was still
/// the caller's (false: nothing changed). Built as batch commands so many of them share one round trip and one
/// commit (see <see cref="OutboxWriteQueue"/>).
/// </summary>
public abstract record OutboxWrite(long OutboxId, string Worker)
{
    internal abstract NpgsqlBatchCommand ToCommand();

    /// <summary>Whether the write changes the row's chat.messages row too (which it locks before the outbox row).</summary>
    internal virtual bool WritesMessage => false;

    protected NpgsqlBatchCommand Command(string sql, params object?[] more)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = OutboxId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Worker });
        foreach (var value in more)
            command.Parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                int i => new NpgsqlParameter<int> { TypedValue = i },
                bool b => new NpgsqlParameter<bool> { TypedValue = b },
                string s => new NpgsqlParameter<string> { TypedValue = s },
                _ => throw new ArgumentException("unexpected parameter type " + value.GetType()),
            });
        return command;
    }
}

/// <summary>Just before the request: the send is under way (see <see cref="OutboxItem.InDoubt"/>), and the lease is
/// confirmed still ours.</summary>
public sealed record StartSend(long OutboxId, string Worker) : OutboxWrite(OutboxId, Worker)
{
    internal override NpgsqlBatchCommand ToCommand() => Command("select coalesce(ops.start_outbox_send($1, $2), false)");
}

public sealed record CompleteSend(long OutboxId, string Worker, string ProviderMessageId) : OutboxWrite(OutboxId, Worker)
{
    internal override bool WritesMessage => true;

    internal override NpgsqlBatchCommand ToCommand() =>
        Command("select coalesce(ops.complete_outbox($1, $2, $3), false)", ProviderMessageId);
}

public sealed record RetrySend(long OutboxId, string Worker, string Error, TimeSpan Delay) : OutboxWrite(OutboxId, Worker)
{
    internal override NpgsqlBatchCommand ToCommand() =>
        Command("select coalesce(ops.retry_outbox($1, $2, $3, $4), false)", Error, (int)Math.Clamp(Delay.TotalMilliseconds, 0, int.MaxValue));
}

/// <summary>The outcome is unknown (timeout, connection broken mid-request): the row is released still marked as
/// sent-started, due again after <paramref name="Delay"/> unless Meta's status confirms it first. A claim that only
/// found the row still waiting refunds its attempt.</summary>
public sealed record AwaitConfirmation(long OutboxId, string Worker, string? Error, TimeSpan Delay, bool RefundAttempt)
    : OutboxWrite(OutboxId, Worker)
{
    internal override NpgsqlBatchCommand ToCommand() =>
        Command("select coalesce(ops.await_outbox_confirmation($1, $2, $3, $4, $5), false)",
            Error, (int)Math.Clamp(Delay.TotalMilliseconds, 0, int.MaxValue), RefundAttempt);
}

/// <summary>Hands the row back unsent: the claim does not count as an attempt.</summary>
public sealed record DeferSend(long OutboxId, string Worker, TimeSpan Delay) : OutboxWrite(OutboxId, Worker)
{
    internal override NpgsqlBatchCommand ToCommand() =>
        Command("select coalesce(ops.defer_outbox($1, $2, $3), false)", (int)Math.Clamp(Delay.TotalMilliseconds, 0, int.MaxValue));
}

public sealed record FailSend(long OutboxId, string Worker, int? ErrorCode, string? ErrorTitle, string? ErrorDetails, string Reason)
    : OutboxWrite(OutboxId, Worker)
{
    internal override bool WritesMessage => true;

    internal override NpgsqlBatchCommand ToCommand()
    {
        var command = Command("select coalesce(ops.fail_outbox($1, $2, $3, $4, $5, $6), false)");
        command.Parameters.Add(ErrorCode is { } code ? new NpgsqlParameter<int> { TypedValue = code } : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        foreach (var text in new[] { ErrorTitle, ErrorDetails, Reason })
            command.Parameters.Add(text is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text } : new NpgsqlParameter<string> { TypedValue = text });
        return command;
    }
}
