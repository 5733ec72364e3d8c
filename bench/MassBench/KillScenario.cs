using System.Diagnostics;

namespace MultichannelMessages.MassBench;

/// <summary>
/// Two Workers on one campaign of --count recipients at --rate/s (the number upgraded to 1,000/s so it runs in a
/// couple of minutes); once half are sent, the Worker --kill-pid is killed with SIGKILL and the other finishes. From the
/// sandbox: recipients sent twice and never sent; from the database: every recipient's end state and the sends that
/// were in doubt (started by the killed Worker, outcome never recorded) and how each was settled — confirmed by
/// Meta's status (its callback data names our message), or re-sent after the confirmation window because Meta never
/// had it (docs/outbox.md's rule, Mass:ConfirmationWindowSeconds).
/// </summary>
public static class KillScenario
{
    public static async Task<int> RunAsync(BenchOptions o)
    {
        var count = o.Int("count", 20_000);
        var rate = o.Number("rate", 100);
        var victim = o.Text("kill-worker");
        await using var db = new BenchDatabase(o.Text("db"));
        using var sandbox = new Sandbox(o.Text("sandbox"));

        await db.ExecuteAsync("""
            update meta.accounts set messages_per_second = 1000 where external_id = @a;
            create table if not exists bench.recipient_claims (recipient_id bigint, worker text, in_doubt boolean,
                                                               claimed_at timestamptz default clock_timestamp());
            create or replace function bench.on_recipient_claim() returns trigger language plpgsql as $$
            begin
                insert into bench.recipient_claims (recipient_id, worker, in_doubt) values (new.id, new.locked_by, old.send_started_at is not null);
                return null;
            end $$;
            create or replace trigger bench_recipient_claim after update of attempt_count on mass.recipients
                for each row when (new.attempt_count > old.attempt_count) execute function bench.on_recipient_claim();
            """, new { a = BenchDatabase.Account });
        var campaignId = await db.CampaignAsync("3472", count, rate, "sending");
        await db.ExecuteAsync("select pg_notify('mass', 'start')");
        Console.WriteLine($"campaign {campaignId}: {count} recipients at {rate}/s on two Workers; {victim} is killed half-way");

        var clock = Stopwatch.StartNew();
        while (await db.SentAsync(campaignId) < count / 2 || await db.ScalarAsync<long>(
                   "select count(distinct worker) from bench.recipient_claims") < 2)
            await Task.Delay(100);
        using (var process = Process.GetProcessById(o.Int("kill-pid", 0))) process.Kill(); // SIGKILL
        var killedAt = DateTimeOffset.UtcNow;
        var atKill = await db.SentAsync(campaignId);
        var leased = await db.ScalarAsync<long>("select count(*) from mass.recipients where campaign_id = @campaignId and locked_by = @victim and status in ('pending', 'sending')",
            new { campaignId, victim });
        var started = await db.ScalarAsync<long>("select count(*) from mass.recipients where campaign_id = @campaignId and locked_by = @victim and status = 'sending'",
            new { campaignId, victim });
        Console.WriteLine($"killed {victim} at {clock.Elapsed.TotalSeconds:F1} s with {atKill} sent; it held {leased} recipients, {started} of them with a send started");

        while (await db.StatusAsync(campaignId) != "completed" && clock.Elapsed < TimeSpan.FromMinutes(20)) await Task.Delay(500);
        Console.WriteLine($"campaign {await db.StatusAsync(campaignId)} at {clock.Elapsed.TotalSeconds:F1} s");
        await Task.Delay(3000); // the last statuses

        var sends = (await sandbox.SentAsync("template")).Where(s => s.To.StartsWith("3472", StringComparison.Ordinal)).ToList();
        var perRecipient = sends.GroupBy(s => s.To).ToDictionary(g => g.Key, g => g.ToList());
        Console.WriteLine($"sandbox received {sends.Count} sends for {perRecipient.Count} of {count} recipients: " +
                          $"sent twice {perRecipient.Count(p => p.Value.Count > 1)}, never sent {count - perRecipient.Count}");
        Console.WriteLine($"recipients by status: {await db.StatusCountsAsync(campaignId)}");

        var doubts = await db.QueryAsync<(string WaId, string Status, int Claims)>("""
            select r.wa_id, r.status, count(*)::int from bench.recipient_claims c join mass.recipients r on r.id = c.recipient_id
            where c.in_doubt and r.campaign_id = @campaignId group by 1, 2
            """, new { campaignId });
        var confirmedWhileLeased = await db.ScalarAsync<long>(
            "select count(*) from mass.recipients where campaign_id = @campaignId and locked_by = @victim and status not in ('pending', 'sending')",
            new { campaignId, victim });
        var resent = doubts.Count(d => perRecipient.TryGetValue(d.WaId, out var s) && s.All(x => x.SentAt > killedAt));
        Console.WriteLine($"in doubt: {started} sends started by {victim} without a recorded outcome; " +
                          $"{confirmedWhileLeased} confirmed by Meta's status while still under its lease; " +
                          $"{doubts.Count} claimed again in doubt ({doubts.Sum(d => d.Claims)} claims), of which {resent} re-sent after the " +
                          $"confirmation window (Meta never had them) and {doubts.Count - resent} settled by their status");
        return 0;
    }
}
