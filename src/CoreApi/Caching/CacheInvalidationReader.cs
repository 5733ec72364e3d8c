using Dapper;
using Microsoft.Extensions.Caching.Memory;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.Platform.Database;
using Npgsql;

namespace MultichannelMessages.CoreApi.Caching;

/// <summary>
/// Applies ops.cache_invalidations on this instance: a grant change made anywhere drops the user's cached access
/// here, within a notification's latency (and at worst the next 1 s poll). Starts at the current head: entries
/// cached before this instance started cannot exist.
/// </summary>
public sealed partial class CacheInvalidationReader(NpgsqlDataSource db, IMemoryCache cache, ILogger<CacheInvalidationReader> logger)
    : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0);

    private sealed record Invalidation(long Id, long? ProjectId, string Scope, string? Key);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long? last = null;
        _ = NotificationListener.RunAsync(db, "cache_invalidation", () => _wake.Release(), logger, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                last ??= await connection.ExecuteScalarAsync<long>("select ops.cache_invalidations_head()");
                var rows = await connection.QueryAsync<Invalidation>(new CommandDefinition(
                    "select id, project_id, scope, key from ops.read_cache_invalidations(@last, 1000)", new { last }, cancellationToken: stoppingToken));
                foreach (var row in rows)
                {
                    if (row.Scope == "access" && long.TryParse(row.Key, out var userId)) AccessKeys.Evict(cache, userId);
                    last = row.Id;
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException) { LogReadFailed(logger, ex); }
            await _wake.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
        }
    }

    [LoggerMessage(210, LogLevel.Warning, "Reading cache invalidations failed; retrying")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);
}
