using System.Globalization;

namespace MultichannelMessages.MassBench;

/// <summary>
/// A campaign of --count recipients at --rate/s against the sandbox: every full minute's sends (from the sandbox's
/// receive times, counted from the first send) against the configured rate (target ±5 %). One-to-one replies run at
/// --reply-rate/s throughout, in three phases on the same Worker: idle before the campaign, during it, idle after;
/// their claim → request p50/p99 during the campaign against idle (target p99 ≤ 2×).
/// </summary>
public static class RateScenario
{
    public static async Task<int> RunAsync(BenchOptions o)
    {
        var count = o.Int("count", 100_000);
        var rate = o.Number("rate", 72);
        var replyRate = o.Number("reply-rate", 5);
        var idleSeconds = o.Int("idle-seconds", 120);
        // A cold Worker (JIT, prepared statements, connection pool, tiered compilation) answers its first minute slower
        // than it ever does again: replies before the first idle phase, not counted, so "idle" means a warm Worker.
        var warmupSeconds = o.Int("warmup-seconds", 60);
        await using var db = new BenchDatabase(o.Text("db"));
        using var sandbox = new Sandbox(o.Text("sandbox"));
        using var http = new HttpClient();
        var worker = o.Text("worker");

        var expectedSeconds = count / rate + 2 * idleSeconds + warmupSeconds;
        await Replies.SeedAsync(db, (int)(expectedSeconds * replyRate * 1.2) + 100);
        var campaignId = await db.CampaignAsync("3471", count, rate, "paused");
        Console.WriteLine($"campaign {campaignId}: {count} recipients at {rate}/s; replies at {replyRate}/s; idle phases {idleSeconds} s");

        var queued = 0;
        async Task<string> PhaseAsync(string phase, Func<Task<bool>> stop)
        {
            var before = await WorkerHistogram.ReadAsync(http, worker);
            var n = await Replies.QueueAsync(db, phase, replyRate, stop, queued);
            queued += n;
            await DrainAsync(db);
            var after = await WorkerHistogram.ReadAsync(http, worker);
            return $"{n} replies; " + after.Since(before);
        }

        var warmEnd = DateTime.UtcNow.AddSeconds(warmupSeconds);
        Console.WriteLine($"warm-up: {await PhaseAsync("warmup", () => Task.FromResult(DateTime.UtcNow >= warmEnd))} (not counted)");

        var idleEnd = DateTime.UtcNow.AddSeconds(idleSeconds);
        var idleBefore = await PhaseAsync("idle1", () => Task.FromResult(DateTime.UtcNow >= idleEnd));
        Console.WriteLine($"idle before: {idleBefore}");

        await db.StartAsync(campaignId);
        var started = DateTime.UtcNow;
        var lastReport = started;
        var busy = await PhaseAsync("busy", async () =>
        {
            if (DateTime.UtcNow - lastReport > TimeSpan.FromMinutes(1))
            {
                lastReport = DateTime.UtcNow;
                Console.WriteLine($"  {(lastReport - started).TotalMinutes:F0} min: {await db.SentAsync(campaignId)} sent");
            }
            return await db.StatusAsync(campaignId) is "completed" or "paused" or "stopped";
        });
        Console.WriteLine($"during the campaign: {busy}");

        idleEnd = DateTime.UtcNow.AddSeconds(idleSeconds);
        var idleAfter = await PhaseAsync("idle2", () => Task.FromResult(DateTime.UtcNow >= idleEnd));
        Console.WriteLine($"idle after: {idleAfter}");

        var templates = (await sandbox.SentAsync("template")).Where(s => s.To.StartsWith("3471", StringComparison.Ordinal)).ToList();
        var texts = await sandbox.SentAsync("text");
        await File.WriteAllLinesAsync(o.Text("csv", ".local/bench-mass-sends.csv"), templates.Concat(texts).OrderBy(s => s.SentAt)
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.SentAt:O},{s.Type},{s.To},{s.Text}")));
        ReportRate(templates, count, rate);
        Console.WriteLine($"campaign {await db.StatusAsync(campaignId)}; recipients: {await db.StatusCountsAsync(campaignId)}");

        var idle1 = await Replies.LatenciesAsync(db, texts, "idle1");
        var during = await Replies.LatenciesAsync(db, texts, "busy");
        var idle2 = await Replies.LatenciesAsync(db, texts, "idle2");
        await File.WriteAllLinesAsync(o.Text("csv", ".local/bench-mass-sends.csv").Replace("sends", "replies", StringComparison.Ordinal),
            new[] { ("idle1", idle1), ("busy", during), ("idle2", idle2) }.SelectMany(p => p.Item2.Select(x =>
                string.Create(CultureInfo.InvariantCulture, $"{x.SentAt:O},{p.Item1},{x.Ms:F2}"))));
        var idle = idle1.Concat(idle2).Select(x => x.Ms).ToList();
        Console.WriteLine("one-to-one claim → request (claim stamped in the database, request as the sandbox received it):");
        Console.WriteLine($"  idle before  {Stats.Summary(idle1.Select(x => x.Ms))}");
        Console.WriteLine($"  during       {Stats.Summary(during.Select(x => x.Ms))}");
        Console.WriteLine($"  idle after   {Stats.Summary(idle2.Select(x => x.Ms))}");
        var duringSorted = during.Select(x => x.Ms).Order().ToList();
        foreach (var (name, phase) in new[] { ("both idle phases", idle), ("idle before", idle1.Select(x => x.Ms)), ("idle after", idle2.Select(x => x.Ms)) })
        {
            var idleSorted = phase.Order().ToList();
            foreach (var q in new[] { 0.5, 0.99 })
                Console.WriteLine($"  p{q * 100:F0} during / {name} = {Stats.Percentile(duringSorted, q):F1} / {Stats.Percentile(idleSorted, q):F1} = " +
                                  $"{Stats.Percentile(duringSorted, q) / Stats.Percentile(idleSorted, q):F2}x");
        }
        Console.WriteLine($"  replies queued {queued}, received by the sandbox {texts.Count(t => t.Text?.Contains(" reply ", StringComparison.Ordinal) == true)}");
        return 0;
    }

    private static async Task DrainAsync(BenchDatabase db)
    {
        for (var i = 0; i < 200 && await db.ScalarAsync<long>("select count(*) from ops.outbox where completed_at is null") > 0; i++)
            await Task.Delay(100);
    }

    private static void ReportRate(IReadOnlyList<SentItem> sends, int count, double rate)
    {
        var twice = sends.GroupBy(s => s.To).Count(g => g.Count() > 1);
        Console.WriteLine($"sandbox received {sends.Count} campaign sends for {sends.Select(s => s.To).Distinct().Count()} recipients " +
                          $"(of {count}); sent twice: {twice}");
        if (sends.Count < 2) return;
        var first = sends.Min(s => s.SentAt);
        var last = sends.Max(s => s.SentAt);
        Console.WriteLine($"first → last send {(last - first).TotalSeconds:F1} s = {(sends.Count - 1) / (last - first).TotalSeconds:F2}/s on average " +
                          $"(configured {rate}/s)");
        var minutes = (int)((last - first).TotalSeconds / 60);
        var worst = 0.0;
        Console.WriteLine("minute  sends  rate/s  deviation");
        for (var m = 0; m < minutes; m++)
        {
            var from = first.AddMinutes(m);
            var n = sends.Count(s => s.SentAt >= from && s.SentAt < from.AddMinutes(1));
            var deviation = (n / 60.0 - rate) / rate * 100;
            worst = Math.Abs(deviation) > Math.Abs(worst) ? deviation : worst;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{m + 1,6}  {n,5}  {n / 60.0,6:F2}  {deviation,+8:+0.00;-0.00} %"));
        }
        var seconds = new int[(int)(last - first).TotalSeconds];
        foreach (var s in sends)
            if ((int)(s.SentAt - first).TotalSeconds is var i && i < seconds.Length) seconds[i]++;
        Console.WriteLine($"full minutes: {minutes}; worst deviation {worst:+0.00;-0.00} % (target ±5 %); " +
                          $"per second: min {seconds.DefaultIfEmpty().Min()} max {seconds.DefaultIfEmpty().Max()}");
    }
}
