using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.EndToEnd;

/// <summary>A dead letter replayed from Ops (ops.replay_dead_letter, what the Core API calls) goes back through the
/// real Worker as the same message and reaches Meta exactly once; a second replay is skipped.</summary>
public sealed class DeadLetterReplayTests
{
    [Fact]
    public async Task A_replayed_dead_letter_is_sent_once_and_a_second_replay_is_skipped()
    {
        var db = await WorkerDatabase.CreateAsync("replay");
        var queued = (await db.QueueTextsAsync(WorkerDatabase.Page, 1, "3468100"))[0]; // a page: Meta refuses at once (551)
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await sandbox.AddFaultAsync(new { kind = "undeliverable", count = 1 });
        await using var worker = WorkerHost.Start(db, sandbox);

        // Meta refuses it for good: failed, dead-lettered, nothing sent.
        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(15)));
        var deadLetterId = (await db.QueryAsync<long>("select id from ops.dead_letters where message_id = @MessageId", new { queued.MessageId })).Single();
        Assert.Equal("failed", (await db.QueryAsync<string>("select status from chat.messages where id = @MessageId", new { queued.MessageId })).Single());
        Assert.Empty(await sandbox.SentAsync());

        long? adminId = null; // this database has no users; the Core API passes the caller
        var first = (await db.QueryAsync<(string Outcome, string? Reason)>("select outcome, reason from ops.replay_dead_letter(@ProjectId, @deadLetterId, @adminId)",
            new { db.ProjectId, deadLetterId, adminId })).Single();
        Assert.Equal(("replayed", null), first);
        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal("sent", (await db.QueryAsync<string>("select status from chat.messages where id = @MessageId", new { queued.MessageId })).Single());

        var second = (await db.QueryAsync<(string Outcome, string? Reason)>("select outcome, reason from ops.replay_dead_letter(@ProjectId, @deadLetterId, @adminId)",
            new { db.ProjectId, deadLetterId, adminId })).Single();
        Assert.Equal(("skipped", "already_handled"), second);
        await Task.Delay(TimeSpan.FromSeconds(1)); // several pump polls: nothing more goes out
        Assert.Single(await sandbox.SentAsync());
        Assert.Equal(["dead_letter.replay"], await db.QueryAsync<string>("select action from ops.command_log where target_kind = 'dead_letter'"));
    }
}
