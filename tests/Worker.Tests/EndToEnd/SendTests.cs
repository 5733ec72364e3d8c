using System.Diagnostics;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.EndToEnd;

/// <summary>Queued messages through a Worker to the Meta sandbox, in memory.</summary>
public sealed class SendTests
{
    [Fact]
    public async Task Queued_messages_are_sent_once_and_marked_sent_with_Metas_id()
    {
        var db = await WorkerDatabase.CreateAsync("sendonce");
        var queued = new List<QueuedMessage>();
        queued.AddRange(await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 3, "3461000"));
        queued.AddRange(await db.QueueTextsAsync(WorkerDatabase.Page, 2, "psid-10"));
        queued.AddRange(await db.QueueTextsAsync("17841400000000001", 1, "igsid-10"));
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox);

        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(20)));

        var sent = await sandbox.SentAsync();
        Assert.Equal(queued.Count, sent.Count);
        var messages = (await db.QueryAsync<(long Id, string Status, string ProviderMessageId, string ClientMessageId)>(
            "select id, status, provider_message_id, client_message_id from chat.messages")).ToDictionary(m => m.ClientMessageId);
        foreach (var q in queued)
        {
            var one = Assert.Single(sent, s => s.Text == "message " + q.ClientMessageId);
            Assert.Equal(q.Recipient, one.To);
            Assert.Equal("sent", messages[q.ClientMessageId].Status);
            Assert.Equal(one.Id, messages[q.ClientMessageId].ProviderMessageId);
        }
        // WhatsApp statuses echo our message id back (biz_opaque_callback_data).
        Assert.All(sent.Where(s => s.AccountId == WorkerDatabase.WhatsApp),
            s => Assert.Equal(messages[s.Text!["message ".Length..]].Id.ToString(), s.CallbackData));
        Assert.StartsWith("wamid.", sent.First(s => s.AccountId == WorkerDatabase.WhatsApp).Id);
        Assert.StartsWith("m_", sent.First(s => s.AccountId == WorkerDatabase.Page).Id);
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.dead_letters"));
    }

    [Fact]
    public async Task A_notification_wakes_an_idle_pump_without_waiting_for_the_poll()
    {
        var db = await WorkerDatabase.CreateAsync("notify");
        var first = (await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 1, "3462000"))[0];
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox, ("Outbox:PollIntervalMs", "60000"));
        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(10)));
        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>(
            "select count(*) from pg_stat_activity where datname = current_database() and query like '%listen outbox;%'") > 0,
            TimeSpan.FromSeconds(10), "the Worker listens on 'outbox'");
        await Task.Delay(300); // the pump is now in its 60 s idle wait

        var clock = Stopwatch.StartNew();
        await db.SendTextAsync(first.ConversationId, "second", "second message"); // chat.send_text notifies 'outbox'
        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(10)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Single(await sandbox.SentAsync("text=second%20message"));
    }

    [Fact]
    public async Task Each_loop_beats_with_its_own_liveness_and_counts()
    {
        var db = await WorkerDatabase.CreateAsync("heartbeat");
        await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 2, "3463000");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox, ("Outbox:WorkerId", "worker-under-test"));
        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(10)));

        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>(
            "select coalesce((select (details->>'sent')::bigint from ops.worker_heartbeats where worker_id = 'worker-under-test' and loop = 'outbox'), 0)") == 2,
            TimeSpan.FromSeconds(10), "the outbox loop reports 2 sent");
        var beat = (await db.QueryAsync<(bool Alive, DateTime LastClaimAt, long QueueLagMs, DateTime BeatAt)>("""
            select (details->>'alive')::boolean, (details->>'last_claim_at')::timestamptz, (details->>'queue_lag_ms')::bigint, beat_at
            from ops.worker_heartbeats where worker_id = 'worker-under-test' and loop = 'outbox'
            """)).Single();
        Assert.True(beat.Alive);
        Assert.True(beat.QueueLagMs >= 0);
        Assert.True(DateTime.UtcNow - beat.BeatAt.ToUniversalTime() < TimeSpan.FromSeconds(10));

        var metrics = await worker.CreateClient().GetStringAsync("/metrics");
        Assert.Contains("outbox_sent", metrics);
        Assert.Contains("outbox_claim_to_request", metrics);
        var health = await worker.CreateClient().GetStringAsync("/health");
        Assert.Contains("\"loops\":{\"status\":\"Healthy\"", health);
    }
}
