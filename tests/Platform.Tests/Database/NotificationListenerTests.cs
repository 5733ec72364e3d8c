using System.Collections.Concurrent;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Platform.Tests.Database;

/// <summary>Every channel a process listens on shares one listening session per data source (PostgreSQL wakes every
/// listening backend on every NOTIFY, whatever its channel): each subscriber hears its own channel only, a subscriber
/// that leaves stops hearing, a channel subscribed later is heard, and a lost session is re-established.</summary>
public sealed class NotificationListenerTests
{
    private sealed class Heard
    {
        private readonly ConcurrentDictionary<string, int> _counts = new();
        private readonly ConcurrentDictionary<string, SemaphoreSlim> _signals = new();
        public Action For(string channel) => () =>
        {
            _counts.AddOrUpdate(channel, 1, (_, n) => n + 1);
            _signals.GetOrAdd(channel, _ => new SemaphoreSlim(0)).Release();
        };
        public int Count(string channel) => _counts.GetValueOrDefault(channel);
        /// <summary>Waits for one more call of the channel's subscriber.</summary>
        public async Task NextAsync(string channel)
        {
            if (!await _signals.GetOrAdd(channel, _ => new SemaphoreSlim(0)).WaitAsync(TimeSpan.FromSeconds(15)))
                throw new TimeoutException($"{channel} was not heard");
        }
        /// <summary>Forgets the calls so far (the subscribe-time and listen-time catch-up calls).</summary>
        public void Drain(string channel)
        {
            var signal = _signals.GetOrAdd(channel, _ => new SemaphoreSlim(0));
            while (signal.Wait(0)) { }
        }
    }

    private static async Task<(NpgsqlDataSource Source, string Cs, string App)> SourceAsync(string label)
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync(label);
        var app = "listen-test-" + Guid.NewGuid().ToString("N")[..8];
        return (JitOffTests.ServiceDataSource(cs + ";Application Name=" + app), cs, app);
    }

    private static async Task NotifyAsync(string cs, params string[] channels)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        // One transaction: the notifications are delivered in this order.
        await using var tx = await connection.BeginTransactionAsync();
        foreach (var channel in channels) await connection.ExecuteAsync("select pg_notify(@channel, '')", new { channel }, tx);
        await tx.CommitAsync();
    }

    private static async Task<int> SessionsAsync(string cs, string app)
    {
        await using var connection = new NpgsqlConnection(cs);
        return await connection.ExecuteScalarAsync<int>("select count(*) from pg_stat_activity where application_name = @app", new { app });
    }

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the condition never held");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Three_channels_share_one_session_and_each_subscriber_hears_only_its_own()
    {
        var (source, cs, app) = await SourceAsync("listen_one");
        await using var _ = source;
        var heard = new Heard();
        using var stop = new CancellationTokenSource();
        var listeners = new[] { "alpha", "beta", "gamma" }
            .Select(c => NotificationListener.RunAsync(source, c, heard.For(c), NullLogger.Instance, stop.Token)).ToList();
        // Each is called at once (what happened before is read), and again once it is listened.
        await UntilAsync(() => Task.FromResult(new[] { "alpha", "beta", "gamma" }.All(c => heard.Count(c) >= 2)));
        foreach (var c in new[] { "alpha", "beta", "gamma" }) heard.Drain(c);

        Assert.Equal(1, await SessionsAsync(cs, app)); // one session listens for all three (it was one per channel)
        await using (var admin = new NpgsqlConnection(cs))
        {
            // Its last statement names every channel it listens on (what an operator sees in pg_stat_activity).
            var query = await admin.ExecuteScalarAsync<string>("select query from pg_stat_activity where application_name = @app", new { app });
            Assert.All(new[] { "alpha", "beta", "gamma" }, c => Assert.Contains($"listen {c};", query));
        }

        var before = (heard.Count("alpha"), heard.Count("gamma"));
        await NotifyAsync(cs, "beta");
        await heard.NextAsync("beta");
        await NotifyAsync(cs, "beta", "gamma"); // gamma comes after beta: once gamma is heard, alpha would have been too
        await heard.NextAsync("gamma");
        Assert.Equal(before.Item1, heard.Count("alpha"));
        Assert.Equal(before.Item2 + 1, heard.Count("gamma"));

        await stop.CancelAsync();
        await Task.WhenAll(listeners);
    }

    [Fact]
    public async Task A_subscriber_that_leaves_stops_hearing_and_one_that_comes_later_is_heard()
    {
        var (source, cs, _) = await SourceAsync("listen_leave");
        await using var __ = source;
        var heard = new Heard();
        using var stopAlpha = new CancellationTokenSource();
        using var stopRest = new CancellationTokenSource();
        var alpha = NotificationListener.RunAsync(source, "alpha", heard.For("alpha"), NullLogger.Instance, stopAlpha.Token);
        var beta = NotificationListener.RunAsync(source, "beta", heard.For("beta"), NullLogger.Instance, stopRest.Token);
        await UntilAsync(() => Task.FromResult(heard.Count("alpha") >= 2 && heard.Count("beta") >= 2));

        await NotifyAsync(cs, "alpha");
        await heard.NextAsync("alpha"); // the positive control: alpha is heard while it listens
        heard.Drain("alpha");
        heard.Drain("beta");

        await stopAlpha.CancelAsync();
        await alpha;
        var alphaBefore = heard.Count("alpha");
        // Whether or not the session has dropped its LISTEN yet, alpha has no subscriber: beta, notified after it in
        // the same transaction, is delivered after it, so once beta is heard alpha would have been.
        await NotifyAsync(cs, "alpha", "beta");
        await heard.NextAsync("beta");
        Assert.Equal(alphaBefore, heard.Count("alpha"));

        // A channel subscribed while the session waits is called at once, then listened and heard.
        var gamma = NotificationListener.RunAsync(source, "gamma", heard.For("gamma"), NullLogger.Instance, stopRest.Token);
        await UntilAsync(() => Task.FromResult(heard.Count("gamma") >= 2)); // subscribed, then listened
        heard.Drain("gamma");
        await NotifyAsync(cs, "gamma");
        await heard.NextAsync("gamma");

        await stopRest.CancelAsync();
        await Task.WhenAll(beta, gamma);
    }

    [Fact]
    public async Task A_lost_session_is_listened_again_and_its_subscribers_read_what_they_missed()
    {
        var (source, cs, app) = await SourceAsync("listen_lost");
        await using var _ = source;
        var heard = new Heard();
        using var stop = new CancellationTokenSource();
        var listener = NotificationListener.RunAsync(source, "alpha", heard.For("alpha"), NullLogger.Instance, stop.Token);
        await UntilAsync(() => Task.FromResult(heard.Count("alpha") >= 2));
        heard.Drain("alpha");

        await using (var admin = new NpgsqlConnection(cs))
            await admin.ExecuteAsync("select pg_terminate_backend(pid) from pg_stat_activity where application_name = @app", new { app });
        await heard.NextAsync("alpha"); // listened again: the catch-up call
        heard.Drain("alpha");

        await NotifyAsync(cs, "alpha");
        await heard.NextAsync("alpha");
        Assert.Equal(1, await SessionsAsync(cs, app));

        await stop.CancelAsync();
        await listener;
    }
}
