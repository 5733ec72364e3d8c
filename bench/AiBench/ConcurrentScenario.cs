using System.Globalization;
using MultichannelMessages.MassBench;

namespace MultichannelMessages.AiBench;

/// <summary>
/// 100 concurrent AI conversations on one Worker: --count customers write at once through the Meta sandbox → the
/// Webhook API while the sandbox holds every chat completion --latency-ms (a real model's time). Every conversation
/// must be answered exactly once (AI replies per conversation in the database, sends per customer at the Meta sandbox),
/// and the wall time from the first inbound row to the last AI reply row is set against the serial lower bound
/// (count × latency): far below it only if the turns ran side by side (Ai:MaxConcurrentConversations, 100).
/// </summary>
public static class ConcurrentScenario
{
    public static async Task<int> RunAsync(BenchOptions o)
    {
        var count = o.Int("count", 100);
        var latency = o.Int("latency-ms", 1500);
        var prefix = o.Text("prefix", "3471");
        await using var db = new AiDatabase(o.Text("db"));
        using var openAi = new OpenAiControl(o.Text("openai"));
        using var customers = new Customers(o.Text("meta"));
        using var meta = new Sandbox(o.Text("meta"));
        await openAi.SetChatLatencyAsync(latency);
        Console.WriteLine($"concurrent: {count} customers write at once, model latency {latency} ms (prefix {prefix})");

        // The baseline, side by side: the same turn, one conversation at a time, after 5 that warm the fresh Worker up.
        var baseline = o.Int("baseline", 20);
        await OneAtATimeAsync(customers, db, prefix + "8", 5);
        var cpu = WorkerCpu.Start(o);
        await OneAtATimeAsync(customers, db, prefix + "9", baseline);
        var cpuAlone = cpu.PerTurn(baseline);
        var alone = await Turns.LoadAsync(db, prefix + "9");
        Console.WriteLine($" one conversation at a time ({baseline}, one after the other):");
        Turns.Report(alone);
        Console.WriteLine(cpuAlone);

        await using var waits = new WaitSampler(o.Text("db"));
        waits.Start();
        cpu = WorkerCpu.Start(o);
        await Task.WhenAll(Enumerable.Range(1, count).Select(i =>
            customers.WriteAsync(prefix + "0" + i.ToString("D6", CultureInfo.InvariantCulture), "Buenas, ¿qué horario tenéis el sábado?")));
        prefix += "0";
        var answered = await Turns.WaitAnsweredAsync(db, prefix, count, TimeSpan.FromSeconds(60));
        var cpuBurst = cpu.PerTurn(count);
        Console.WriteLine($" {count} at once:");
        await waits.ReportAsync();
        await Task.Delay(5000); // a double answer (a second run of a conversation) would be in by now
        var runs = await Turns.LoadAsync(db, prefix);
        Turns.Report(runs);
        Console.WriteLine(cpuBurst);
        foreach (var q in new[] { 0.5, 0.99 })
        {
            double P(IEnumerable<ConversationRun> r) => Stats.Percentile(r.Where(x => x.OverheadMs is not null).Select(x => (double)x.OverheadMs!.Value).Order().ToList(), q);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  overhead p{q * 100:F0}, {count} at once / one at a time = {P(runs):F0} / {P(alone):F0} ms = {P(runs) / P(alone):F1}x"));
        }

        var firstInbound = runs.Min(r => r.InboundAt);
        var lastInbound = runs.Max(r => r.InboundAt);
        var lastReply = runs.Where(r => r.ReplyAt is not null).Max(r => r.ReplyAt!.Value);
        var firstDue = runs.Where(r => r.DueAt is not null).Min(r => r.DueAt!.Value);
        var wall = (lastReply - firstInbound).TotalSeconds;
        var serial = count * runs.Average(r => r.ModelMs) / 1000;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  inbound rows within {(lastInbound - firstInbound).TotalSeconds:F2} s; first inbound → last AI reply {wall:F2} s " +
            $"(first due → last reply {(lastReply - firstDue).TotalSeconds:F2} s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  serial lower bound {count} × {runs.Average(r => r.ModelMs):F0} ms model time = {serial:F1} s; wall / serial = {wall / serial:F3} " +
            $"(≈ {serial / wall:F0} turns at once on average)"));
        Console.WriteLine($"  peak model calls in flight (bot.ai_turns): {await Turns.PeakModelCallsAsync(db, prefix)}");

        var sent = (await meta.SentAsync("text")).Where(s => s.To.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var perCustomer = sent.GroupBy(s => s.To).GroupBy(g => g.Count()).OrderBy(g => g.Key).Select(g => $"{g.Key} × {g.Count()}");
        Console.WriteLine($"  Meta sandbox received {sent.Count} AI texts for {sent.Select(s => s.To).Distinct().Count()} customers; " +
                          $"sends per customer: {string.Join(", ", perCustomer)}");
        await openAi.SetChatLatencyAsync(0);
        return answered == count && runs.All(r => r.AiReplies == 1) ? 0 : 1;
    }

    private static async Task OneAtATimeAsync(Customers customers, AiDatabase db, string prefix, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            await customers.WriteAsync(prefix + i.ToString("D6", CultureInfo.InvariantCulture), "Buenas, ¿qué horario tenéis el sábado?");
            await Turns.WaitAnsweredAsync(db, prefix, i, TimeSpan.FromSeconds(60));
        }
    }
}
