using Dapper;
using MultichannelMessages.Migrator;
using MultichannelMessages.Worker.Dashboards;
using MultichannelMessages.Worker.Tests.Support;
using Npgsql;

namespace MultichannelMessages.Worker.Tests.Dashboards;

/// <summary>
/// The rollup loop counts every message exactly once: with ids committed out of order (a transaction still open
/// behind later ones, another rolled back), with passes racing from several connections, and with a pass killed
/// mid-way; and the rebuild lands on the same figures.
/// </summary>
public sealed class DashboardExactlyOnceTests
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private static Task<long> CountedAsync(WorkerDatabase db) => db.ScalarAsync<long>(
        "select coalesce(sum(messages), 0)::bigint from ops.dash_message_hours where project_id = @ProjectId", new { db.ProjectId });

    private static Task<long> MessagesAsync(WorkerDatabase db) => db.ScalarAsync<long>(
        "select count(*) from chat.messages where project_id = @ProjectId", new { db.ProjectId });

    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, long conversationId, int count) =>
        await connection.ExecuteAsync("""
            insert into chat.messages (project_id, conversation_id, account_id, direction, type, status, status_rank, occurred_at, created_at)
            select c.project_id, c.id, c.account_id, 'in', 'text', 'received', 0, @at, @at
            from chat.conversations c, generate_series(1, @count) where c.id = @conversationId
            """, new { conversationId, count, at = Noon }, tx);

    [Fact]
    public async Task Messages_committed_out_of_order_racing_passes_and_a_killed_pass_are_each_counted_once()
    {
        var db = await WorkerDatabase.CreateAsync("dashonce");
        var h = new DashboardHistory(db);
        await h.RollAsync(); // the seed's own history, out of the way
        var baseline = await CountedAsync(db);
        Assert.Equal(await MessagesAsync(db), baseline);
        var conversation = await h.ConversationAsync(await h.AccountAsync("whatsapp"), null, Noon);
        var start = await db.ScalarAsync<long>("select coalesce(max(id), 0) from chat.messages");
        await using var source = db.CreateDataSource();
        Task<long> GapsAsync() => db.ScalarAsync<long>("select count(*) from ops.dash_gaps where source = 'messages' and lo > @start", new { start });

        await using var writer = await source.OpenConnectionAsync();
        await InsertAsync(writer, null, conversation, 50);
        // An insert whose transaction stays open: its id is below the next ones, which commit first.
        await using var slow = await source.OpenConnectionAsync();
        await using var slowTx = await slow.BeginTransactionAsync();
        await InsertAsync(slow, slowTx, conversation, 1);
        await InsertAsync(writer, null, conversation, 20);
        // A rolled-back insert: ids that never appear.
        await using (var tx = await writer.BeginTransactionAsync())
        {
            await InsertAsync(writer, tx, conversation, 3);
            await tx.RollbackAsync();
        }
        await InsertAsync(writer, null, conversation, 10);

        // A pass killed mid-transaction (its Worker died) counts nothing, and its lock goes with it.
        var doomed = await source.OpenConnectionAsync();
        var doomedTx = await doomed.BeginTransactionAsync();
        Assert.True(await doomed.ExecuteScalarAsync<int>("select ops.dash_roll(1000)", transaction: doomedTx) > 0);
        var pid = doomed.ProcessID;
        await writer.ExecuteAsync("select pg_terminate_backend(@pid)", new { pid });
        await Eventually.TrueAsync(async () => await writer.ExecuteScalarAsync<long>(
            "select count(*) from pg_stat_activity where pid = @pid", new { pid }) == 0, TimeSpan.FromSeconds(10), "the killed pass gone");
        try { await doomed.DisposeAsync(); } catch (NpgsqlException) { } // the connection is broken, as a dead Worker's is
        Assert.Equal(baseline, await CountedAsync(db));

        // Passes racing from four connections, small batches: each row once.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 30; i++) await DashboardRollupLoop.RollAsync(source, 7, CancellationToken.None);
        })));
        await h.RollAsync();
        Assert.Equal(baseline + 80, await CountedAsync(db));

        // The open transaction's id and the rolled-back ids wait as gaps, even once old: a transaction that was
        // running when they were seen is still running.
        Assert.Equal(2L, await GapsAsync());
        await db.ExecuteAsync("update ops.dash_gaps set seen_at = now() - interval '1 minute'");
        await h.RollAsync();
        Assert.Equal(2L, await GapsAsync());

        // It commits late: counted then, once.
        await slowTx.CommitAsync();
        await h.RollAsync();
        Assert.Equal(baseline + 81, await CountedAsync(db));
        Assert.Equal(await MessagesAsync(db), await CountedAsync(db));

        // The rolled-back ids (aged above) are dropped once nothing that was running then still runs: here as soon as
        // the open transaction ended (xmin is the cluster's: a test of another class may hold it back a moment).
        await Eventually.TrueAsync(async () =>
        {
            await db.ExecuteAsync("update ops.dash_gaps set seen_at = now() - interval '1 minute'");
            await h.RollAsync();
            return await GapsAsync() == 0;
        }, TimeSpan.FromSeconds(20), "the rolled-back ids forgotten");
        await h.RollAsync();
        Assert.Equal(baseline + 81, await CountedAsync(db));

        // The rebuild counts the same.
        var live = await h.SnapshotAsync();
        await RebuildRollupsCommand.RebuildAsync(source, null, TextWriter.Null, CancellationToken.None);
        Assert.Equal(live, await h.SnapshotAsync());
        Assert.Equal(await MessagesAsync(db), await CountedAsync(db));
    }

    [Fact]
    public async Task The_worker_keeps_the_rollups_live_as_messages_arrive()
    {
        var db = await WorkerDatabase.CreateAsync("dashlive");
        var h = new DashboardHistory(db);
        var conversation = await h.ConversationAsync(await h.AccountAsync("whatsapp"), null, Noon);
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox, ("Dashboards:MinSpacingMs", "100"));
        await h.InAsync(conversation, Noon);
        await h.OutAsync(conversation, Noon.AddMinutes(2));
        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>(
                "select count(*) from ops.dash_episodes where conversation_id = @conversation and first_response_seconds = 120", new { conversation }) == 1,
            TimeSpan.FromSeconds(15), "the episode's first response rolled up");
        Assert.Equal(await MessagesAsync(db), await CountedAsync(db));
    }
}
