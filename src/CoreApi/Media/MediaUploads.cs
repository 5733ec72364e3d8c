using Dapper;
using MultichannelMessages.Platform.Media;
using Npgsql;

namespace MultichannelMessages.CoreApi.Media;

/// <summary>
/// Check, then store. The caller has run chat.send_media in <paramref name="transaction"/> (every check a send runs,
/// so a refused send never reaches the store); this writes the file and commits. A message never points at a missing
/// file (the Worker sees the outbox row only at commit), and a send that fails after the write takes its file back,
/// unless a committed message shares the content-addressed key (chat.forget_media_key).
/// </summary>
public static partial class MediaUploads
{
    // The price of storing inside the transaction: the conversation row stays locked while the file is written (at
    // most MediaRules.MaxFileBytes, to a store beside the service), so an inbound message to this one conversation
    // waits that long. Storing first and checking after is what left refused uploads in the store.
    public static async Task StoreThenCommitAsync(NpgsqlTransaction transaction, IMediaStore store, NpgsqlDataSource db, ILogger logger,
        string key, Stream content, string contentType, CancellationToken ct)
    {
        try
        {
            await store.PutAsync(key, content, contentType, ct);
            await transaction.CommitAsync(ct);
        }
        catch (Exception failure)
        {
            // Rolled back before the clean-up waits on the key's lock, which this transaction holds.
            try { await transaction.RollbackAsync(CancellationToken.None); }
            catch (Exception) { /* the connection broke: the server rolled the transaction back itself */ }
            await ForgetAsync(store, db, logger, key, failure);
            throw;
        }
    }

    private static async Task ForgetAsync(IMediaStore store, NpgsqlDataSource db, ILogger logger, string key, Exception failure)
    {
        try
        {
            await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
            await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
            // Deleted under the key's lock, before this transaction ends: no send of the same file commits in between.
            if (await connection.ExecuteScalarAsync<bool>("select chat.forget_media_key(@key)", new { key }))
                await store.DeleteAsync(key, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
            LogForgotten(logger, key, failure.GetType().Name);
        }
        catch (Exception cleanup)
        {
            LogForgetFailed(logger, cleanup, key);
        }
    }

    [LoggerMessage(300, LogLevel.Information, "A media send failed after its file {StorageKey} was stored ({Failure}); the file was taken back unless another message uses it")]
    private static partial void LogForgotten(ILogger logger, string storageKey, string failure);

    [LoggerMessage(301, LogLevel.Warning, "Taking back the file {StorageKey} of a failed media send failed; it stays in the store unreferenced")]
    private static partial void LogForgetFailed(ILogger logger, Exception exception, string storageKey);
}
