using MultichannelMessages.Worker.Outbox;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.EndToEnd;

/// <summary>Rows left behind by a Worker that died: claimed-but-unsent ones are sent, in-doubt ones are not resent.</summary>
public sealed class TakeoverTests
{
    [Fact]
    public async Task A_message_claimed_by_a_worker_that_died_is_taken_over_and_sent_once()
    {
        var db = await WorkerDatabase.CreateAsync("takeovere2e");
        var queued = (await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 3, "3469000"));
        await using (var dataSource = db.CreateDataSource())
            Assert.Equal(3, (await new OutboxStore(dataSource).ClaimAsync("worker-that-died", 10, 1, CancellationToken.None)).Count);
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox, ("Outbox:WorkerId", "heir"));

        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(15)));

        var sent = await sandbox.SentAsync();
        Assert.Equal(3, sent.Count);
        Assert.Equal(3, sent.Select(s => s.Text).Distinct().Count());
        Assert.Equal(3L, await db.ScalarAsync<long>("select count(*) from ops.outbox where locked_by = 'heir' and attempt_count = 2"));
        Assert.Equal(3L, await db.ScalarAsync<long>("select count(*) from chat.messages where status = 'sent' and id = any(@ids)",
            new { ids = queued.Select(q => q.MessageId).ToArray() }));
    }

    [Fact]
    public async Task A_send_interrupted_mid_request_is_dead_lettered_as_in_doubt_not_resent()
    {
        var db = await WorkerDatabase.CreateAsync("indoubte2e");
        var queued = (await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 2, "3469100"));
        await using (var dataSource = db.CreateDataSource())
        {
            var store = new OutboxStore(dataSource);
            var claimed = await store.ClaimAsync("worker-that-died", 10, 1, CancellationToken.None);
            // It got as far as the request for the first one, then died.
            Assert.True(await store.StartSendAsync(claimed.Single(c => c.MessageId == queued[0].MessageId).OutboxId, "worker-that-died", CancellationToken.None));
        }
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox);

        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(15)));

        Assert.Equal("failed", await db.ScalarAsync<string>("select status from chat.messages where id = @id", new { id = queued[0].MessageId }));
        Assert.StartsWith("in_doubt: ", await db.ScalarAsync<string>("select reason from ops.dead_letters where message_id = @id", new { id = queued[0].MessageId }));
        Assert.Equal("sent", await db.ScalarAsync<string>("select status from chat.messages where id = @id", new { id = queued[1].MessageId }));
        Assert.Equal("message " + queued[1].ClientMessageId, Assert.Single(await sandbox.SentAsync()).Text);
    }
}
