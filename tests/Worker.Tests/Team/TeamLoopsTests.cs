using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Worker.Team;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Team;

/// <summary>The shared inbox's Worker loops against the real database: the internal-chat purge, lock expiry and
/// auto-assignment.</summary>
public sealed class TeamLoopsTests
{
    private static async Task<(long Room, long User)> RoomAsync(WorkerDatabase db)
    {
        var user = await db.ScalarAsync<long>("select core.create_user('purge@test.local', 'Pia Purge', 'x')");
        await db.ExecuteAsync("select core.grant_role(@ProjectId, @user, 'agent')", new { db.ProjectId, user });
        var room = await db.ScalarAsync<long>("select internal.create_room(@ProjectId, 'Night shift', @user, '{}')", new { db.ProjectId, user });
        return (room, user);
    }

    [Fact]
    public async Task Internal_messages_older_than_five_days_are_purged_by_the_worker_and_newer_ones_kept()
    {
        var db = await WorkerDatabase.CreateAsync("purge");
        var (room, user) = await RoomAsync(db);
        for (var i = 0; i < 12; i++) await db.ScalarAsync<long>("select internal.post_message(@room, @user, @body, null)", new { room, user, body = "msg " + i });
        // Ten are six days old, one is four days and 23 hours old, one is new.
        await db.ExecuteAsync("""
            update internal.messages set created_at = now() - interval '6 days' where body not in ('msg 10', 'msg 11');
            update internal.messages set created_at = now() - interval '4 days 23 hours' where body = 'msg 10';
            """);
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        // A batch of 3 shows the purge clears a backlog in several short transactions.
        await using var worker = WorkerHost.Start(db, sandbox, ("Team:PurgeBatch", "3"), ("Team:PurgeIntervalMs", "1000"));

        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>("select count(*) from internal.messages") == 2,
            TimeSpan.FromSeconds(15), "the old messages purged");
        Assert.Equal(new[] { "msg 10", "msg 11" }, (await db.QueryAsync<string>("select body from internal.messages order by id")).ToArray());
        // What the feed pushed for a purged message reads nothing any more.
        Assert.Equal(10L, await db.ScalarAsync<long>("""
            select count(*) from ops.read_change_feed(0, 1000) where kind = 'internal_message' and details is null
            """));
        // Nothing is left to purge.
        Assert.Equal(0, await worker.Services.GetRequiredService<TeamLoops>().PurgeAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Idle_locks_are_expired_and_waiting_conversations_assigned_by_the_worker()
    {
        var db = await WorkerDatabase.CreateAsync("teamloops");
        var queued = await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 2, "3498000");
        var (_, user) = await RoomAsync(db);
        var queue = await db.ScalarAsync<long>("insert into core.queues (project_id, name, auto_assign) values (@ProjectId, 'Auto', true) returning id", new { db.ProjectId });
        await db.ExecuteAsync("insert into core.queue_members (queue_id, user_id) values (@queue, @user)", new { queue, user });
        await db.ExecuteAsync("update chat.conversations set queue_id = @queue where id = @id", new { queue, id = queued[0].ConversationId });
        await db.ExecuteAsync("select * from chat.take_lock(@id, @user)", new { id = queued[1].ConversationId, user });
        await db.ExecuteAsync("update chat.conversation_locks set expires_at = now() - interval '1 second'");

        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox, ("Team:LockSweepIntervalMs", "200"), ("Team:AssignIntervalMs", "60000"));

        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>("select count(*) from chat.conversation_locks") == 0,
            TimeSpan.FromSeconds(10), "the idle lock expired");
        Assert.Equal("expired", await db.ScalarAsync<string>("select action from chat.lock_events order by id desc limit 1"));

        // Nobody online: the conversation waits. The agent comes online (NOTIFY assignment): it is assigned at once,
        // long before the 60 s poll.
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from chat.conversations where assigned_user_id is not null"));
        await db.ExecuteAsync("select core.set_presence(@user, 'online')", new { user });
        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>(
            "select count(*) from chat.conversations where id = @id and assigned_user_id = @user", new { id = queued[0].ConversationId, user }) == 1,
            TimeSpan.FromSeconds(10), "assigned once the agent is online");
    }
}
