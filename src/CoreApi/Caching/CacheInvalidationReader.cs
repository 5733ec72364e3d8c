using Dapper;
using Microsoft.Extensions.Caching.Memory;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Realtime;
using MultichannelMessages.Platform.Database;
using Npgsql;

namespace MultichannelMessages.CoreApi.Caching;

/// <summary>
/// Applies ops.cache_invalidations on this instance: a grant change made anywhere drops the user's cached access
/// here, within a notification's latency (and at worst the next 1 s poll), and brings the user's open hub
/// connections in line with the new grants; a revoked session's access tokens stop working here and its hub
/// connections close. Starts at the current
/// head: entries cached before this instance started cannot exist.
/// </summary>
public sealed partial class CacheInvalidationReader(NpgsqlDataSource db, IMemoryCache cache, HubGrants hubGrants,
    Auth.RevokedSessions revokedSessions, ILogger<CacheInvalidationReader> logger) : BackgroundService
{
    private const int PageSize = 1000;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long? _last;

    private sealed record Invalidation(long Id, long? ProjectId, string Scope, string? Key);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = NotificationListener.RunAsync(db, "cache_invalidation", () => _wake.Release(), logger, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await CatchUpAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            // Whatever failed (the database, regrouping a connection), the API stays up and the next pass applies the
            // same rows again from the last id fully applied.
            catch (Exception ex) { LogReadFailed(logger, ex); }
            await _wake.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
        }
    }

    /// <summary>Applies every invalidation recorded so far. The change feed reader calls it before pushing, so a
    /// change recorded after a grant change never reaches a connection under the old grants.</summary>
    public async Task CatchUpAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            if (_last is null)
            {
                var head = await connection.ExecuteScalarAsync<long>("select ops.cache_invalidations_head()");
                await revokedSessions.LoadRecentAsync(connection, ct);
                _last = head;
            }
            Invalidation[] rows;
            do
            {
                rows = (await connection.QueryAsync<Invalidation>(new CommandDefinition(
                    "select id, project_id, scope, key from ops.read_cache_invalidations(@last, @PageSize)",
                    new { last = _last, PageSize }, cancellationToken: ct))).ToArray();
                var users = new HashSet<long>();
                foreach (var row in rows)
                {
                    if (row.Scope == "access" && long.TryParse(row.Key, out var userId))
                    {
                        AccessKeys.Evict(cache, userId);
                        users.Add(userId);
                    }
                    else if (row.Scope == "session" && long.TryParse(row.Key, out var sessionId))
                    {
                        revokedSessions.Revoke(sessionId);
                        hubGrants.EndSession(sessionId);
                    }
                }
                foreach (var userId in users) await hubGrants.FollowAsync(userId, ct);
                if (rows.Length > 0) _last = rows[^1].Id;
            } while (rows.Length == PageSize);
        }
        finally { _gate.Release(); }
    }

    [LoggerMessage(210, LogLevel.Warning, "Reading cache invalidations failed; retrying")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);
}
