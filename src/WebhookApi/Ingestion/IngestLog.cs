namespace MultichannelMessages.WebhookApi.Ingestion;

internal static partial class IngestLog
{
    [LoggerMessage(1, LogLevel.Error, "Flush of {BatchSize} events failed (attempt {Attempt})")]
    public static partial void FlushFailed(ILogger logger, int batchSize, int attempt, Exception exception);

    [LoggerMessage(2, LogLevel.Warning, "Batch of {BatchSize} refused by the database ({SqlState}: {Reason}); storing its events one by one")]
    public static partial void BatchDataError(ILogger logger, int batchSize, string sqlState, string reason);

    [LoggerMessage(3, LogLevel.Information, "Drained {Count} queued events on shutdown")]
    public static partial void Drained(ILogger logger, int count);

    [LoggerMessage(4, LogLevel.Error, "Shutdown drain timed out with {Count} events not written")]
    public static partial void DrainAbandoned(ILogger logger, int count);

    [LoggerMessage(5, LogLevel.Warning, "Webhook rejected: {Reason} ({Suppressed} more rejections since the last warning were not logged)")]
    public static partial void Rejected(ILogger logger, string reason, long suppressed);

    [LoggerMessage(7, LogLevel.Warning, "Emptying the staging tables failed; reconnecting")]
    public static partial void StagingResetFailed(ILogger logger, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "Durable ack failed; answering 503 so Meta redelivers")]
    public static partial void DurableAckFailed(ILogger logger, Exception exception);

    [LoggerMessage(8, LogLevel.Error, "Normalizing {Count} stored events failed (attempt {Attempt}); they stay pending")]
    public static partial void NormalizeFailed(ILogger logger, int count, int attempt, Exception exception);

    [LoggerMessage(9, LogLevel.Warning, "Normalized {Count} events another pass had left pending (a Webhook API stopped between its two transactions)")]
    public static partial void OrphansNormalized(ILogger logger, int count);

    [LoggerMessage(10, LogLevel.Information, "Normalizing {Count} stored events was rolled back by a conflict with another transaction ({SqlState}, conflict {Conflict}); taking them again")]
    public static partial void NormalizeConflict(ILogger logger, int count, string sqlState, int conflict);

    [LoggerMessage(11, LogLevel.Error, "Normalizing stored event {EventId} on its own failed (given up, kept raw with ingest_error: {GaveUp})")]
    public static partial void NormalizeEventFailed(ILogger logger, long eventId, bool gaveUp, Exception exception);
}
