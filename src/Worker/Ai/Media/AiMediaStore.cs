using Dapper;
using Npgsql;

namespace MultichannelMessages.Worker.Ai.Media;

/// <summary>A job claimed by bot.claim_ai_media_jobs: the lease is ours. MediaId is null when the message has no
/// stored file of the job's kind any more.</summary>
public sealed record AiMediaJob(long MessageId, string Kind, long ProjectId, int AttemptCount, long ConversationId, long? MediaId,
    string? StorageKey, string? MimeType, string? FileName, long? SizeBytes, string Language, DateTime CreatedAt);

/// <summary>The media jobs' database calls (444_ai_media.sql). Every write names the worker and returns false when the
/// lease was lost.</summary>
public sealed class AiMediaStore(NpgsqlDataSource db)
{
    public async Task<IReadOnlyList<AiMediaJob>> ClaimAsync(string worker, int limit, int leaseSeconds, int maxAttempts, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<AiMediaJob>(new CommandDefinition("""
            select message_id, kind, project_id, attempt_count, conversation_id, media_id, storage_key, mime_type, file_name, size_bytes,
                   language, created_at
            from bot.claim_ai_media_jobs(@worker, @limit, @leaseSeconds, @maxAttempts)
            """, new { worker, limit, leaseSeconds, maxAttempts }, cancellationToken: ct))).AsList();
    }

    public Task<bool> CompleteAsync(AiMediaJob job, string worker, string text) =>
        WriteAsync("select bot.complete_ai_media_job(@MessageId, @Kind, @worker, @text)", new { job.MessageId, job.Kind, worker, text });

    public Task<bool> RetryAsync(AiMediaJob job, string worker, string error, TimeSpan delay) =>
        WriteAsync("select bot.retry_ai_media_job(@MessageId, @Kind, @worker, @error, @delayMs)",
            new { job.MessageId, job.Kind, worker, error, delayMs = (int)Math.Min(int.MaxValue, delay.TotalMilliseconds) });

    /// <param name="status">failed or skipped.</param>
    public Task<bool> FinishAsync(AiMediaJob job, string worker, string status, string reason) =>
        WriteAsync("select bot.finish_ai_media_job(@MessageId, @Kind, @worker, @status, @reason)", new { job.MessageId, job.Kind, worker, status, reason });

    private async Task<bool> WriteAsync(string sql, object args)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<bool?>(sql, args) ?? false;
    }
}
