using Dapper;
using Microsoft.AspNetCore.SignalR;
using MultichannelMessages.Contracts.Realtime;
using MultichannelMessages.Platform.Database;
using Npgsql;

namespace MultichannelMessages.CoreApi.Realtime;

/// <summary>
/// Pushes ops.change_feed to the consoles. LISTEN change_feed (NotificationListener) only wakes it up; it reads rows after
/// the last id it pushed, so a missed or coalesced notification loses nothing, and it also polls every second. Every Core API instance runs one and pushes to its own connections.
/// Ids are taken when a row is inserted, not when its transaction commits: with several writers at once (two Webhook
/// APIs' flushers, the Core APIs, the Workers) a lower id can become visible after a higher one. The reader remembers
/// every id it passed over ("late") and asks for them again with the next rows, for <see cref="LateFor"/>; one that
/// never appears belonged to a transaction that rolled back. So a late row is pushed late, never skipped — found by
/// the scale-out test (EndToEnd ScaleOutTests), where a console missed customer messages.
/// </summary>
public sealed partial class ChangeFeedReader(NpgsqlDataSource db, IHubContext<ConsoleHub> hub,
    Caching.CacheInvalidationReader invalidations, ILogger<ChangeFeedReader> logger) : BackgroundService
{
    private const int PageSize = 500;
    /// <summary>How long a passed-over id is asked for again: longer than any transaction that writes the feed runs.</summary>
    public static readonly TimeSpan LateFor = TimeSpan.FromMinutes(2);
    /// <summary>Most passed-over ids remembered at once (a rolled-back batch of ingestion can leave thousands).</summary>
    private const int MaxLate = 20_000;
    private readonly SemaphoreSlim _wake = new(0);

    public static async Task<ChangeItem[]> ReadAsync(NpgsqlDataSource db, long afterId, int limit, CancellationToken ct,
        long[]? lateIds = null)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<ChangeRow>(new CommandDefinition("""
            select id, project_id, kind, conversation_id, message_id, queue_id, assigned_user_id, message_status, message_direction,
                   message_body, message_occurred_at, error_code, error_title, unread_count, last_message_preview, last_message_at,
                   details::text, recipient_user_ids
            from ops.read_change_feed(@afterId, @limit, @lateIds)
            """, new { afterId, limit, lateIds }, cancellationToken: ct));
        return rows.Select(r => r.ToItem()).ToArray();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long? last = null;
        var late = new Dictionary<long, DateTime>();
        _ = NotificationListener.RunAsync(db, "change_feed", () => _wake.Release(), logger, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Start at the head: consoles that connect later ask for history with GetChangesSince.
                if (last is null)
                {
                    await using var connection = await db.OpenConnectionAsync(stoppingToken);
                    last = await connection.ExecuteScalarAsync<long>("select ops.change_feed_head()");
                }
                ChangeItem[] page;
                do
                {
                    page = await ReadAsync(db, last.Value, PageSize, stoppingToken, late.Count > 0 ? [.. late.Keys] : null);
                    // Grant changes recorded before these changes regroup the connections first (HubGrants).
                    if (page.Length > 0) await invalidations.CatchUpAsync(stoppingToken);
                    foreach (var change in page)
                        await hub.Clients.Groups(ChangeGroups.For(change)).SendAsync("change", change, stoppingToken);
                    last = Advance(last.Value, page, late, DateTime.UtcNow);
                } while (page.Length == PageSize);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception ex)
            {
                // Whatever failed (the database, a row that would not map), the API stays up and the reader tries
                // again from the last id it pushed: consoles get the rest late rather than never.
                LogReadFailed(logger, ex);
            }
            await _wake.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
        }
    }

    /// <summary>The new cursor after a page: late ids that came are forgotten, ids passed over between the new rows
    /// are remembered (until <see cref="LateFor"/>, at most <see cref="MaxLate"/>), expired ones dropped.</summary>
    public static long Advance(long last, IReadOnlyList<ChangeItem> page, Dictionary<long, DateTime> late, DateTime now)
    {
        var previous = last;
        foreach (var change in page)
        {
            if (late.Remove(change.Id) || change.Id <= last) continue;
            for (var missing = previous + 1; missing < change.Id && late.Count < MaxLate; missing++) late.TryAdd(missing, now);
            previous = change.Id;
        }
        foreach (var (id, since) in late.Where(l => now - l.Value > LateFor).ToList()) late.Remove(id);
        return previous;
    }

    [LoggerMessage(200, LogLevel.Warning, "Reading the change feed failed; retrying")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);

}
