using MultichannelMessages.Worker.Outbox;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.EndToEnd;

/// <summary>Rows left behind by a Worker that died: claimed-but-unsent ones are sent; in-doubt
/// ones wait for Meta's confirmation and are resent only when none can have come.</summary>
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

    /// <summary>Claims the account's next messages as a Worker that got as far as the request for the first one,
    /// then died.</summary>
    private static async Task<IReadOnlyList<QueuedMessage>> QueueWithFirstInDoubtAsync(WorkerDatabase db, string account, string prefix)
    {
        var queued = await db.QueueTextsAsync(account, 2, prefix);
        await using var dataSource = db.CreateDataSource();
        var store = new OutboxStore(dataSource);
        var claimed = await store.ClaimAsync("worker-that-died", 10, 1, CancellationToken.None);
        Assert.True(await store.StartSendAsync(claimed.Single(c => c.MessageId == queued[0].MessageId).OutboxId, "worker-that-died", CancellationToken.None));
        return queued;
    }

    [Theory]
    [InlineData(WorkerDatabase.Page, "ResendUnconfirmed", "true")]
    [InlineData(WorkerDatabase.WhatsApp, "ResendUnconfirmed", "false")]
    public async Task An_in_doubt_send_no_status_can_confirm_is_dead_lettered_as_in_doubt_not_resent(string account, string setting, string value)
    {
        var db = await WorkerDatabase.CreateAsync("indoubte2e");
        var queued = await QueueWithFirstInDoubtAsync(db, account, "3469100");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox, ("Outbox:ConfirmationWindowSeconds", "1"), ("Outbox:" + setting, value));

        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(15)));

        Assert.Equal("failed", await db.ScalarAsync<string>("select status from chat.messages where id = @id", new { id = queued[0].MessageId }));
        Assert.StartsWith("in_doubt: ", await db.ScalarAsync<string>("select reason from ops.dead_letters where message_id = @id", new { id = queued[0].MessageId }));
        Assert.Equal("sent", await db.ScalarAsync<string>("select status from chat.messages where id = @id", new { id = queued[1].MessageId }));
        Assert.Equal("message " + queued[1].ClientMessageId, Assert.Single(await sandbox.SentAsync()).Text);
    }

    [Fact]
    public async Task An_in_doubt_whatsapp_send_waits_out_the_confirmation_window_then_is_sent_once()
    {
        var db = await WorkerDatabase.CreateAsync("indoubtresend");
        var queued = await QueueWithFirstInDoubtAsync(db, WorkerDatabase.WhatsApp, "3469200");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        // 8 s: long enough for the waiting state to be seen on a loaded machine (at 3 s it was sometimes resent already).
        await using var worker = WorkerHost.Start(db, sandbox, ("Outbox:ConfirmationWindowSeconds", "8"));

        // The other message goes at once; the in-doubt one is held back, still marked as sent-started, its claim
        // refunded.
        await Eventually.TrueAsync(async () => await sandbox.SentCountAsync() == 1, TimeSpan.FromSeconds(10), "the clear message sent");
        await Eventually.TrueAsync(async () => await db.ScalarAsync<bool>("""
            select send_started_at is not null and locked_by is null and next_attempt_at > now() and attempt_count = 1
            from ops.outbox where message_id = @id
            """, new { id = queued[0].MessageId }), TimeSpan.FromSeconds(10), "the in-doubt send waiting for confirmation");
        Assert.Equal("message " + queued[1].ClientMessageId, Assert.Single(await sandbox.SentAsync()).Text);

        // No status named it within the window: Meta never took it, so it goes now, once.
        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(25)));
        Assert.Equal("sent", await db.ScalarAsync<string>("select status from chat.messages where id = @id", new { id = queued[0].MessageId }));
        Assert.Single(await sandbox.SentAsync(), s => s.Text == "message " + queued[0].ClientMessageId);
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.dead_letters"));
    }

    [Fact]
    public async Task A_timed_out_whatsapp_send_is_not_retried_at_once_but_after_the_confirmation_window()
    {
        var db = await WorkerDatabase.CreateAsync("timeoutconfirm");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await sandbox.AddFaultAsync(new { kind = "timeout", count = 1, delay_ms = 5_000 });
        await using var worker = WorkerHost.Start(db, sandbox, ("Graph:TimeoutSeconds", "1"), ("Outbox:ConfirmationWindowSeconds", "2"));
        var queued = await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 1, "3469300");

        await Eventually.TrueAsync(async () => (await db.ScalarAsync<string>(
            "select coalesce(last_error, '') from ops.outbox where message_id = @id", new { id = queued[0].MessageId })).StartsWith("Timeout"),
            TimeSpan.FromSeconds(10), "the timeout recorded");
        Assert.True(await db.ScalarAsync<bool>("select send_started_at is not null and next_attempt_at > now() + interval '1 second' from ops.outbox where message_id = @id",
            new { id = queued[0].MessageId }), "held for the confirmation window, still marked in doubt");

        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal("sent", await db.ScalarAsync<string>("select status from chat.messages where id = @id", new { id = queued[0].MessageId }));
        Assert.Single(await sandbox.SentAsync());
    }
}
