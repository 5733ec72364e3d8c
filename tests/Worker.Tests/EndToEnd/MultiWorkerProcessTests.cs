using System.Diagnostics;
using MultichannelMessages.TestSupport;
using MultichannelMessages.Worker.Tests.Support;
using Xunit.Abstractions;

namespace MultichannelMessages.Worker.Tests.EndToEnd;

/// <summary>Workers as real OS processes sharing one outbox, against the sandbox on a loopback port.</summary>
public sealed class MultiWorkerProcessTests(ITestOutputHelper output)
{
    private const int Messages = 5_000;

    private static Dictionary<string, string> Environment(WorkerDatabase db, SandboxHost sandbox, string workerId) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["MM_Database__ConnectionString"] = db.ConnectionString,
        ["MM_Secrets__MasterKey"] = WorkerDatabase.MasterKey,
        ["MM_Graph__BaseAddress"] = sandbox.Address!.ToString(),
        ["MM_Graph__TimeoutSeconds"] = "5",
        ["MM_Outbox__WorkerId"] = workerId,
        ["MM_Outbox__LeaseSeconds"] = "10",
        ["MM_Outbox__PollIntervalMs"] = "100",
        ["MM_Pacing__MaxHoldMs"] = "1000",
        // No Webhook API here, so no status can confirm an in-doubt send: it must be dead-lettered, never resent.
        ["MM_Outbox__ResendUnconfirmed"] = "false",
        ["MM_Outbox__ConfirmationWindowSeconds"] = "1",
        // One number, thousands of recipients: the test is about leases, not about Meta's throughput.
        ["MM_Pacing__MessagesPerSecond"] = "100000",
        ["MM_Serilog__MinimumLevel__Default"] = "Warning",
    };

    [Fact]
    public async Task Three_workers_with_one_killed_mid_run_send_every_message_once_or_dead_letter_it()
    {
        var db = await WorkerDatabase.CreateAsync("threeworkers");
        await using var sandbox = await SandboxHost.StartOnLoopbackAsync();
        var workers = await Task.WhenAll(Enumerable.Range(1, 3).Select(i =>
            ServiceProcess.StartAsync("Worker", Environment(db, sandbox, "worker-" + i))));
        try
        {
            var clock = Stopwatch.StartNew();
            var queued = await db.QueueTextsAsync(WorkerDatabase.WhatsApp, Messages, "3470");
            output.WriteLine($"queued {queued.Count} in {clock.Elapsed.TotalSeconds:0.0} s");

            await Eventually.TrueAsync(async () => await sandbox.SentCountAsync() >= Messages * 3 / 10,
                TimeSpan.FromSeconds(30), "30 % sent before the kill");
            await workers[0].KillAsync();
            var sentAtKill = await sandbox.SentCountAsync();
            output.WriteLine($"killed worker-1 at {sentAtKill} sent, {clock.Elapsed.TotalSeconds:0.0} s");

            // The killed Worker's leases expire (10 s) and the others take its rows over.
            Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(40)));
            output.WriteLine($"drained at {clock.Elapsed.TotalSeconds:0.0} s");

            await AssertEachSentOnceOrDeadLetteredAsync(db, sandbox, queued);
            var byWorker = await db.QueryAsync<(string Worker, long Rows)>(
                "select locked_by, count(*) from ops.outbox group by 1 order by 1");
            output.WriteLine(string.Join(", ", byWorker.Select(w => $"{w.Worker}: {w.Rows}")));
            Assert.True(byWorker.Count(w => w.Rows > 0) == 3, "every Worker took part");
            Assert.False(workers[1].HasExited || workers[2].HasExited, "the surviving Workers kept running");
        }
        finally
        {
            foreach (var worker in workers) await worker.DisposeAsync();
        }
    }

    [Fact]
    public async Task On_sigterm_a_worker_finishes_its_sends_and_hands_back_the_rest_leaving_nothing_in_doubt()
    {
        var db = await WorkerDatabase.CreateAsync("sigterm");
        await using var sandbox = await SandboxHost.StartOnLoopbackAsync();
        await sandbox.AddFaultAsync(new { kind = "slow", delay_ms = 300 });
        var queued = await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 500, "3471");
        var environment = Environment(db, sandbox, "graceful");
        environment["MM_Serilog__MinimumLevel__Default"] = "Information";
        var first = await ServiceProcess.StartAsync("Worker", environment);
        await Eventually.TrueAsync(async () => await sandbox.SentCountAsync() >= 50, TimeSpan.FromSeconds(30), "sending under way");

        await first.TerminateAsync(TimeSpan.FromSeconds(20));

        Assert.Contains("Outbox pump graceful stopped", first.Output);
        Assert.Equal(0L, await db.ScalarAsync<long>(
            "select count(*) from ops.outbox where completed_at is null and (locked_by is not null or send_started_at is not null)"));
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.dead_letters"));
        var sentBySigterm = await sandbox.SentCountAsync();
        Assert.Equal(sentBySigterm, await db.ScalarAsync<long>("select count(*) from chat.messages where status = 'sent'"));

        await using var second = await ServiceProcess.StartAsync("Worker", Environment(db, sandbox, "successor"));
        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(30)));
        await AssertEachSentOnceOrDeadLetteredAsync(db, sandbox, queued);
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.dead_letters"));
        await first.DisposeAsync();
    }

    private async Task AssertEachSentOnceOrDeadLetteredAsync(WorkerDatabase db, SandboxHost sandbox, IReadOnlyList<QueuedMessage> queued)
    {
        var sends = (await sandbox.SentAsync()).GroupBy(s => s.Text!).ToDictionary(g => g.Key, g => g.ToList());
        var twice = sends.Where(s => s.Value.Count > 1).Select(s => s.Key).ToList();
        Assert.True(twice.Count == 0, $"{twice.Count} messages sent more than once, e.g. {string.Join(", ", twice.Take(5))}");

        var rows = (await db.QueryAsync<(long Id, string Status, string? ProviderMessageId, string? Reason)>("""
            select m.id, m.status, m.provider_message_id, d.reason
            from chat.messages m left join ops.dead_letters d on d.message_id = m.id
            """)).ToDictionary(r => r.Id);
        var deadLettered = 0;
        foreach (var q in queued)
        {
            var row = rows[q.MessageId];
            sends.TryGetValue("message " + q.ClientMessageId, out var sent);
            if (row.Status == "sent")
            {
                Assert.Equal(Assert.Single(sent!).Id, row.ProviderMessageId);
                Assert.Null(row.Reason);
            }
            else
            {
                Assert.Equal("failed", row.Status);
                Assert.False(string.IsNullOrEmpty(row.Reason), $"message {q.MessageId} failed without a dead-letter reason");
                deadLettered++;
            }
        }
        output.WriteLine($"{queued.Count - deadLettered} sent once, {deadLettered} dead-lettered: " +
            string.Join("; ", rows.Values.Where(r => r.Reason is not null).Select(r => r.Reason!.Split(':')[0]).Distinct()));
        // Only what the killed Worker had in flight can be in doubt: at most one batch.
        Assert.InRange(deadLettered, 0, 50);
    }
}
