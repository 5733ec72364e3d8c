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
        // Burst of 2, then one every 0.5 s; a turn more than 0.6 s away goes back to the outbox with that delay.
        await using var worker = WorkerHost.Start(db, sandbox,
            ("Pacing:RecipientBurst", "2"), ("Pacing:RecipientIntervalSeconds", "0.5"), ("Pacing:MaxHoldMs", "600"));

        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(20)));

        var sent = (await sandbox.SentAsync()).OrderBy(s => s.SentAt).ToList();
        Assert.Equal(5, sent.Count);
        Assert.Equal(5, sent.Select(s => s.Text).Distinct().Count());
        // Five messages with a burst of two take three intervals (1.5 s; unpaced they would go out within
        // milliseconds). The margin is for the first request, which may reach the sandbox late (cold start).
        Assert.True(sent[^1].SentAt - sent[0].SentAt >= TimeSpan.FromSeconds(1.2), $"spread {sent[^1].SentAt - sent[0].SentAt}");
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.dead_letters"));
    }
}
