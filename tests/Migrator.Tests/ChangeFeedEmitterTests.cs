using System.Text.RegularExpressions;
using Dapper;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Migrator.Tests;

/// <summary>Pushes to the consoles are written once: ops.emit_change / ops.emit_changes (005_ops_emit_change.sql) insert
/// the change-feed row and send the wake-up; every other function calls them.</summary>
public sealed partial class ChangeFeedEmitterTests
{
    [GeneratedRegex(@"\binsert\s+into\s+ops\s*\.\s*change_feed\b|\bpg_notify\s*\(\s*'change_feed'", RegexOptions.IgnoreCase)]
    private static partial Regex DirectPush();

    private const string EmitterFile = "005_ops_emit_change.sql";

    private static IEnumerable<string> DirectPushes(string sql) =>
        DirectPush().Matches(sql).Select(m => m.Value);

    [Fact]
    public void Every_pushing_function_goes_through_the_emitter()
    {
        var functions = Directory.GetFiles(Path.Combine(PostgresServer.DbFolder(), "functions"), "*.sql");
        Assert.Contains(functions, f => Path.GetFileName(f) == EmitterFile);

        var offenders = functions.Where(f => Path.GetFileName(f) != EmitterFile)
            .SelectMany(f => DirectPushes(File.ReadAllText(f)).Select(hit => $"{Path.GetFileName(f)}: {hit}"))
            .ToList();
        Assert.Empty(offenders);

        // Positive controls: the scan finds the emitter's own statements and a hand-written push in any spelling.
        // (005 holds the two inserts of ops.emit_change and ops.emit_changes, and the one NOTIFY they share:
        // ops.wake_change_readers.)
        Assert.Equal(3, DirectPushes(File.ReadAllText(functions.Single(f => Path.GetFileName(f) == EmitterFile))).Count());
        Assert.Equal(2, DirectPushes("""
            insert into ops.change_feed (project_id, kind) values (1, 'x');
            PERFORM PG_NOTIFY( 'change_feed', '');
            """).Count());
        Assert.Single(DirectPushes("INSERT  INTO\n ops.change_feed select 1"));
        Assert.Empty(DirectPushes("perform ops.emit_change(1, 'x'); select * from ops.change_feed; perform pg_notify('outbox', '');"));
    }

    [Fact]
    public async Task A_quiet_transaction_writes_its_changes_without_waking_the_readers_and_the_next_one_wakes_them_again()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("quiet_changes");
        await using var listener = new NpgsqlConnection(cs);
        await listener.OpenAsync();
        var wakeUps = 0;
        listener.Notification += (_, e) => { if (e.Channel == "change_feed") Interlocked.Increment(ref wakeUps); };
        await listener.ExecuteAsync("listen change_feed");
        await using var writer = new NpgsqlConnection(cs);
        await writer.OpenAsync();
        var project = await writer.ExecuteScalarAsync<long>("select core.ensure_project('quiet', 'Quiet')");

        async Task DrainAsync()
        {
            // A notification is delivered at the writer's commit: what arrives within the wait is all there is.
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try { while (!wait.IsCancellationRequested) await listener.WaitAsync(wait.Token); }
            catch (OperationCanceledException) { }
        }

        async Task<int> WakeUpsAfterAsync(string sql)
        {
            await DrainAsync(); // whatever an earlier commit sent is counted before, not here
            var before = Volatile.Read(ref wakeUps);
            await using (var tx = await writer.BeginTransactionAsync())
            {
                await writer.ExecuteAsync(sql, new { project }, tx);
                await tx.CommitAsync();
            }
            await DrainAsync();
            return Volatile.Read(ref wakeUps) - before;
        }

        // A bulk writer's transaction (a campaign's send): rows written, no wake-up.
        Assert.Equal(0, await WakeUpsAfterAsync("select ops.quiet_changes(); select ops.emit_change(@project, 'quiet_one'); " +
                                                "select ops.emit_changes(array[@project], 'quiet_many', array[null::bigint])"));
        // The setting is the transaction's: the next one, and a plain one, wake the readers (the positive control).
        Assert.Equal(1, await WakeUpsAfterAsync("select ops.emit_change(@project, 'loud_one')"));
        Assert.Equal(1, await WakeUpsAfterAsync("select ops.emit_changes(array[@project], 'loud_many', array[null::bigint])"));
        Assert.Equal(["loud_many", "loud_one", "quiet_many", "quiet_one"],
            (await writer.QueryAsync<string>("select kind from ops.change_feed where project_id = @project order by kind", new { project })).ToArray());
    }
}
