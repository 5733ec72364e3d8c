using Dapper;
using Microsoft.AspNetCore.SignalR;
using MultichannelMessages.Contracts.Realtime;
using MultichannelMessages.Platform.Database;
using Npgsql;

namespace MultichannelMessages.CoreApi.Realtime;

/// <summary>
/// Pushes ops.change_feed to the consoles. LISTEN change_feed (NotificationListener) only wakes it up; it reads rows after
/// the last id it pushed, so a missed or coalesced notification loses nothing, and it also polls every second. Every Core API instance runs one and pushes to its own connections.
/// </summary>
public sealed partial class ChangeFeedReader(NpgsqlDataSource db, IHubContext<ConsoleHub> hub,
    Caching.CacheInvalidationReader invalidations, ILogger<ChangeFeedReader> logger) : BackgroundService
{
    private const int PageSize = 500;
    private readonly SemaphoreSlim _wake = new(0);

    public static async Task<ChangeItem[]> ReadAsync(NpgsqlDataSource db, long afterId, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<ChangeRow>(new CommandDefinition("""
            select id, project_id, kind, conversation_id, message_id, queue_id, assigned_user_id, message_status, message_direction,
                   message_body, message_occurred_at, error_code, error_title, unread_count, last_message_preview, last_message_at,
                   details::text, recipient_user_ids
            from ops.read_change_feed(@afterId, @limit)
            """, new { afterId, limit }, cancellationToken: ct));
        return rows.Select(r => r.ToItem()).ToArray();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long? last = null;
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
                    page = await ReadAsync(db, last.Value, PageSize, stoppingToken);
                    // Grant changes recorded before these changes regroup the connections first (HubGrants).
                    if (page.Length > 0) await invalidations.CatchUpAsync(stoppingToken);
                    foreach (var change in page)
                        await hub.Clients.Groups(ChangeGroups.For(change)).SendAsync("change", change, stoppingToken);
                    if (page.Length > 0) last = page[^1].Id;
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

    [LoggerMessage(200, LogLevel.Warning, "Reading the change feed failed; retrying")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);

}
