namespace MultichannelMessages.Worker.Outbox;

/// <summary>Structured log lines of the outbox. Never a token or a message body.</summary>
internal static partial class OutboxLog
{
    [LoggerMessage(200, LogLevel.Information, "Outbox pump {WorkerId} started: batch {BatchSize}, {MaxParallelSends} parallel sends, lease {LeaseSeconds} s")]
    public static partial void Started(ILogger logger, string workerId, int batchSize, int maxParallelSends, int leaseSeconds);

    [LoggerMessage(201, LogLevel.Warning, "Claiming from the outbox failed: {Reason}")]
    public static partial void ClaimFailed(ILogger logger, string reason);

    [LoggerMessage(202, LogLevel.Warning, "Send of message {MessageId} (outbox {OutboxId}) failed transiently, attempt {Attempt}: {Error}; retry in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, long messageId, long outboxId, int attempt, string error, long delayMs);

    [LoggerMessage(203, LogLevel.Warning, "Message {MessageId} (project {ProjectId}, outbox {OutboxId}) failed: {Reason}")]
    public static partial void Failed(ILogger logger, long messageId, long projectId, long outboxId, string reason);

    [LoggerMessage(204, LogLevel.Warning, "Lease on outbox {OutboxId} (message {MessageId}) was lost before its result was recorded: {Outcome}")]
    public static partial void LeaseLost(ILogger logger, long outboxId, long messageId, string outcome);

    [LoggerMessage(205, LogLevel.Error, "Recording the result of outbox {OutboxId} (message {MessageId}, provider id {ProviderMessageId}) failed; attempt {Attempt}")]
    public static partial void RecordFailed(ILogger logger, long outboxId, long messageId, string? providerMessageId, int attempt, Exception exception);

    [LoggerMessage(207, LogLevel.Debug, "Message {MessageId} sent as {ProviderMessageId}")]
    public static partial void Sent(ILogger logger, long messageId, string providerMessageId);

    [LoggerMessage(208, LogLevel.Error, "Unexpected error processing outbox {OutboxId} (message {MessageId})")]
    public static partial void Unexpected(ILogger logger, long outboxId, long messageId, Exception exception);

    [LoggerMessage(210, LogLevel.Warning, "Outcome of message {MessageId} (outbox {OutboxId}) unknown ({Error}): waiting up to {WaitMs} ms for Meta's confirming status")]
    public static partial void AwaitingConfirmation(ILogger logger, long messageId, long outboxId, string error, long waitMs);

    [LoggerMessage(211, LogLevel.Warning, "Message {MessageId} (outbox {OutboxId}) was not confirmed by any status within the window: sending it again")]
    public static partial void ResendingUnconfirmed(ILogger logger, long messageId, long outboxId);

    [LoggerMessage(209, LogLevel.Information, "Outbox pump {WorkerId} stopped; {InFlight} sends finished on the way out")]
    public static partial void Stopped(ILogger logger, string workerId, int inFlight);
}
