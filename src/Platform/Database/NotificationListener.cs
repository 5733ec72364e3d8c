using Microsoft.Extensions.Logging;
using Npgsql;

namespace MultichannelMessages.Platform.Database;

/// <summary>
/// Keeps a LISTEN on one channel and calls <c>onNotify</c> for each notification, reconnecting after a failure.
/// Readers use it only as a wake-up: they read a durable table after the last id they applied, so a notification
/// lost while reconnecting costs latency, never data.
/// </summary>
public static partial class NotificationListener
{
    public static async Task RunAsync(NpgsqlDataSource db, string channel, Action onNotify, ILogger logger, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(ct);
                connection.Notification += (_, _) => onNotify();
                try
                {
                    await using (var listen = new NpgsqlCommand($"listen {channel}", connection)) await listen.ExecuteNonQueryAsync(ct);
                    onNotify(); // whatever happened while not listening is read now
                    while (!ct.IsCancellationRequested) await connection.WaitAsync(ct);
                }
                finally
                {
                    // The pool does not reset sessions (DatabaseExtensions.WithoutResetOnClose): a session still
                    // listening would go on receiving notifications nobody reads.
                    await UnlistenAsync(connection);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogListenFailed(logger, channel, ex);
                try { await Task.Delay(TimeSpan.FromSeconds(1), ct); } catch (OperationCanceledException) { return; }
            }
        }
    }

    private static async Task UnlistenAsync(NpgsqlConnection connection)
    {
        if (connection.State != System.Data.ConnectionState.Open) return;
        try
        {
            await using var unlisten = new NpgsqlCommand("unlisten *", connection);
            await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException) { } // a broken session is not pooled
    }

    [LoggerMessage(300, LogLevel.Warning, "LISTEN {Channel} connection lost; reconnecting (readers keep polling meanwhile)")]
    private static partial void LogListenFailed(ILogger logger, string channel, Exception exception);
}
