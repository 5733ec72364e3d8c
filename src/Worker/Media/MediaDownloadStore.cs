using Dapper;
using Npgsql;

namespace MultichannelMessages.Worker.Media;

/// <summary>The Worker's side of the download queue (db/functions/210_media.sql). Every write names the worker and
/// returns false when the lease was lost.</summary>
public sealed class MediaDownloadStore(NpgsqlDataSource dataSource)
{
    static MediaDownloadStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    public async Task<IReadOnlyList<MediaDownloadItem>> ClaimAsync(string worker, int limit, int leaseSeconds, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<MediaDownloadItem>(new CommandDefinition(
            "select * from chat.claim_media_downloads(@worker, @limit, @leaseSeconds)",
            new { worker, limit, leaseSeconds }, cancellationToken: ct))).AsList();
    }

    public Task<bool> CompleteAsync(long mediaId, string worker, string storageKey, string? mimeType, long sizeBytes, string sha256, CancellationToken ct) =>
        WriteAsync("select chat.complete_media_download(@mediaId, @worker, @storageKey, @mimeType, @sizeBytes, @sha256)",
            new { mediaId, worker, storageKey, mimeType, sizeBytes, sha256 }, ct);

    public Task<bool> RetryAsync(long mediaId, string worker, string error, TimeSpan delay, CancellationToken ct) =>
        WriteAsync("select chat.retry_media_download(@mediaId, @worker, @error, @delayMs)",
            new { mediaId, worker, error, delayMs = (int)Math.Min(int.MaxValue, delay.TotalMilliseconds) }, ct);

    public Task<bool> FailAsync(long mediaId, string worker, string reason, CancellationToken ct) =>
        WriteAsync("select chat.fail_media_download(@mediaId, @worker, @reason)", new { mediaId, worker, reason }, ct);

    private async Task<bool> WriteAsync(string sql, object args, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(sql, args, cancellationToken: ct)) ?? false;
    }
}
