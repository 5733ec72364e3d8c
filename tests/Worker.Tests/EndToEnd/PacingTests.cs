using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Worker.Outbox;
using MultichannelMessages.Worker.Pacing;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.EndToEnd;

public sealed class PacingTests
{
    [Fact]
    public async Task A_burst_to_one_recipient_is_spaced_out_and_every_message_sent_once()
    {
        var db = await WorkerDatabase.CreateAsync("pairpacing");
        var first = (await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 1, "3469200"))[0];
        for (var i = 1; i < 5; i++) await db.SendTextAsync(first.ConversationId, "burst-" + i, "burst " + i);
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        // Burst of 2, then one a second; a turn more than 0.6 s away goes back to the outbox with that delay.
        await using var worker = WorkerHost.Start(db, sandbox,
            ("Pacing:RecipientBurst", "2"), ("Pacing:RecipientIntervalSeconds", "1"), ("Pacing:MaxHoldMs", "600"));

        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(20)));

        var sent = (await sandbox.SentAsync()).OrderBy(s => s.SentAt).ToList();
        Assert.Equal(5, sent.Count);
        Assert.Equal(5, sent.Select(s => s.Text).Distinct().Count());
        // Five messages with a burst of two take three intervals (3 s; unpaced they would go out within milliseconds).
        // Measured from the third, the first paced one: the burst may reach the sandbox late on a cold start (CI saw
        // 1.08 s from the first), and the third may itself arrive late on a loaded machine (CI saw it ~0.5 s late with
        // 0.5 s intervals), which only shortens the spread to the fifth, nominally two intervals (2 s): at least 1.2 s.
        Assert.True(sent[^1].SentAt - sent[2].SentAt >= TimeSpan.FromSeconds(1.2), $"spread {sent[^1].SentAt - sent[2].SentAt}");
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.dead_letters"));
    }

    [Fact]
    public async Task A_worker_takes_its_share_of_the_number_s_throughput_from_the_database()
    {
        var db = await WorkerDatabase.CreateAsync("sharedpacing");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await db.ExecuteAsync("update meta.accounts set messages_per_second = 1000 where external_id = @id", new { id = WorkerDatabase.WhatsApp });
        // Another Worker beats on the outbox loop; a third stopped beating a minute ago and no longer counts.
        await db.ExecuteAsync("""
            insert into ops.worker_heartbeats (worker_id, loop, beat_at) values
                ('other', 'outbox', now() + interval '1 hour'), ('gone', 'outbox', now() - interval '1 minute')
            """);
        await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 1, "3469400");
        await using (var dataSource = db.CreateDataSource())
        {
            var claimed = Assert.Single(await new OutboxStore(dataSource).ClaimAsync("probe", 10, 1, CancellationToken.None));
            Assert.Equal(1000, claimed.MessagesPerSecond);
        }
        await using var worker = WorkerHost.Start(db, sandbox);
        var pacer = worker.Services.GetRequiredService<SendPacer>();

        await Eventually.TrueAsync(() => Task.FromResult(pacer.WorkerCount == 2), TimeSpan.FromSeconds(10), "two live Workers counted");
        Assert.Equal(500, pacer.ShareOf(WorkerDatabase.WhatsApp, 1000));
        Assert.Equal(40, pacer.ShareOf(WorkerDatabase.WhatsApp, null));

        await db.ExecuteAsync("delete from ops.worker_heartbeats where worker_id = 'other'");
        await Eventually.TrueAsync(() => Task.FromResult(pacer.WorkerCount == 1), TimeSpan.FromSeconds(10), "alone again");
    }
}
