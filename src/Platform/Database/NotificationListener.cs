using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MultichannelMessages.Platform.Database;

/// <summary>
/// Keeps a LISTEN on one channel and calls <c>onNotify</c> for each notification, reconnecting after a failure.
/// Readers use it only as a wake-up: they read a durable table after the last id they applied, so a notification
/// lost while reconnecting costs latency, never data.
/// <para>
/// Every channel of one data source shares ONE listening session (<see cref="Hub"/>). PostgreSQL signals every
/// listening backend of the database on every committed NOTIFY, whatever channel it listens on, and each wakes to read
/// the queue: with a session per loop (the Worker had 14, the services ~17 in all), each notifying commit woke 17
/// processes, which on two cores made a NOTIFY commit 0.41 → 1.15 ms at low load and cut a notifying client's
/// throughput from 18,000 to 2,800 commits/s (bench/RESULTS.md, 2026-12-07). One session per process wakes one.
/// </para>
/// </summary>
public static partial class NotificationListener
{
    private static readonly ConditionalWeakTable<NpgsqlDataSource, Hub> Hubs = new();

    /// <summary>Listens on <paramref name="channel"/> until <paramref name="ct"/> is cancelled. <paramref name="onNotify"/>
    /// runs on the listening session's reader for each notification (keep it a signal), and once each time the channel is
    /// (re)listened: whatever happened while it was not is read then.</summary>
    public static async Task RunAsync(NpgsqlDataSource db, string channel, Action onNotify, ILogger logger, CancellationToken ct)
    {
        var hub = Hubs.GetValue(db, d => new Hub(d));
        using var subscription = hub.Subscribe(channel, onNotify, logger);
        try { await Task.Delay(Timeout.Infinite, ct); }
        catch (OperationCanceledException) { }
    }

    /// <summary>The one listening session of a data source: LISTENs on every channel someone subscribed to, hands each
    /// notification to that channel's subscribers, and ends when the last subscription does.</summary>
    private sealed class Hub(NpgsqlDataSource db)
    {
        /// <summary>How long the session waits for a notification before it looks for channels subscribed meanwhile.
        /// A channel subscribed while the session waits is listened within this time; its subscriber is called at once,
        /// so it reads what is there, and a wake-up is at most this late, never lost.</summary>
        private const int ResubscribeCheckMs = 1_000;

        private readonly object _gate = new();
        private readonly Dictionary<string, List<Action>> _subscribers = new(StringComparer.Ordinal);
        private CancellationTokenSource? _running;
        private ILogger? _logger;

        public IDisposable Subscribe(string channel, Action onNotify, ILogger logger)
        {
            lock (_gate)
            {
                if (!_subscribers.TryGetValue(channel, out var list)) _subscribers[channel] = list = [];
                list.Add(onNotify);
                _logger ??= logger;
                if (_running is null)
                {
                    _running = new CancellationTokenSource();
                    var token = _running.Token;
                    _ = Task.Run(() => RunAsync(token));
                }
            }
            onNotify(); // whatever happened before this subscription is read now
            return new Subscription(() => Unsubscribe(channel, onNotify));
        }

        private void Unsubscribe(string channel, Action onNotify)
        {
            lock (_gate)
            {
                if (_subscribers.TryGetValue(channel, out var list) && list.Remove(onNotify) && list.Count == 0) _subscribers.Remove(channel);
                if (_subscribers.Count > 0 || _running is null) return;
                _running.Cancel();
                _running.Dispose();
                _running = null;
            }
        }

        private string[] Channels()
        {
            lock (_gate) return [.. _subscribers.Keys];
        }

        private void Dispatch(string channel)
        {
            Action[] targets;
            lock (_gate) targets = _subscribers.TryGetValue(channel, out var list) ? [.. list] : [];
            foreach (var target in targets)
            {
                // One subscriber's failure must not end the session every other channel shares.
                try { target(); }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    if (_logger is { } logger) LogSubscriberFailed(logger, channel, ex);
                }
            }
        }

        private async Task RunAsync(CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                var listened = new HashSet<string>(StringComparer.Ordinal);
                try
                {
                    await using var connection = await db.OpenConnectionAsync(ct);
                    connection.Notification += (_, e) => Dispatch(e.Channel);
                    try
                    {
                        while (!ct.IsCancellationRequested)
                        {
                            var wanted = Channels();
                            var fresh = wanted.Where(c => !listened.Contains(c)).ToList();
                            var gone = listened.Where(c => !wanted.Contains(c)).ToList();
                            if (fresh.Count > 0 || gone.Count > 0)
                            {
                                // Every wanted channel again (LISTEN on a channel already listened is a no-op), in one
                                // statement: the session's pg_stat_activity.query names every channel it listens on.
                                var sql = "do $$ begin " + string.Concat(wanted.Select(c => $"listen {c}; ").Concat(gone.Select(c => $"unlisten {c}; "))) + "end $$";
                                await using (var command = new NpgsqlCommand(sql, connection)) await command.ExecuteNonQueryAsync(ct);
                                listened.UnionWith(fresh);
                                listened.ExceptWith(gone);
                                // Listening again after a lost session: whatever happened meanwhile is read now.
                                foreach (var channel in fresh) Dispatch(channel);
                            }
                            await connection.WaitAsync(ResubscribeCheckMs, ct);
                        }
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
                    if (_logger is { } logger) LogListenFailed(logger, string.Join(", ", listened.Count > 0 ? listened : Channels()), ex);
                    try { await Task.Delay(TimeSpan.FromSeconds(1), ct); } catch (OperationCanceledException) { return; }
                }
            }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private int _disposed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) dispose();
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

    [LoggerMessage(301, LogLevel.Error, "A subscriber to {Channel} failed on its notification")]
    private static partial void LogSubscriberFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(300, LogLevel.Warning, "LISTEN {Channel} connection lost; reconnecting (readers keep polling meanwhile)")]
    private static partial void LogListenFailed(ILogger logger, string channel, Exception exception);
}
