using System.Diagnostics;
using System.Globalization;
using MultichannelMessages.MassBench;

namespace MultichannelMessages.AiBench;

/// <summary>
/// The Worker's overhead per AI turn, model time excluded (target p99 ≤ 25 ms): --count customers each write once,
/// at --rate/s, through the Meta sandbox → the Webhook API (real ingestion, so bot.on_customer_messages wakes the agent);
/// every other one asks about an order (the agent calls the tag tool, then replies: two model calls), the rest ask the
/// opening hours (one model call). The sandbox holds every chat completion --latency-ms. Reported: the Worker's own
/// bot.ai_turns.overhead_ms and, measured outside it, claim → reply row and inbound row → reply row, model time off.
/// </summary>
public static class OverheadScenario
{
    public static async Task<int> RunAsync(BenchOptions o)
    {
        var count = o.Int("count", 300);
        var rate = o.Number("rate", 20);
        var latency = o.Int("latency-ms", 0);
        var prefix = o.Text("prefix", "3461");
        await using var db = new AiDatabase(o.Text("db"));
        using var openAi = new OpenAiControl(o.Text("openai"));
        using var customers = new Customers(o.Text("meta"));
        var embeddingLatency = o.Int("embedding-latency-ms", 0);
        await openAi.SetChatLatencyAsync(latency, embeddingLatency);
        Console.WriteLine($"overhead: {count} customers at {rate}/s, model latency {latency} ms" +
                          (embeddingLatency > 0 ? $", embeddings {embeddingLatency} ms" : "") + $" (prefix {prefix})");

        // A warm-up the report leaves out (a fresh Worker compiles its code paths on the first turns).
        var warmup = o.Int("warmup", 0);
        if (warmup > 0)
        {
            await WriteAsync(customers, prefix + "9", warmup, rate);
            await Turns.WaitAnsweredAsync(db, prefix + "9", warmup, TimeSpan.FromSeconds(60));
        }
        var clock = Stopwatch.StartNew();
        await using var waits = new WaitSampler(o.Text("db"));
        waits.Start();
        var cpu = WorkerCpu.Start(o);
        await WriteAsync(customers, prefix + "0", count, rate);
        var answered = await Turns.WaitAnsweredAsync(db, prefix + "0", count, TimeSpan.FromSeconds(60));
        var cpuPerTurn = cpu.PerTurn(count);
        await waits.ReportAsync(5);
        await Task.Delay(2000); // a second answer to anyone would be in by now (debounce 1 s, poll 250 ms)
        Console.WriteLine($"  written in {clock.Elapsed.TotalSeconds:F1} s; answered {answered} of {count}");
        var runs = await Turns.LoadAsync(db, prefix + "0");
        Turns.Report(runs);
        Console.WriteLine($"  peak model calls in flight: {await Turns.PeakModelCallsAsync(db, prefix + "0")}");
        Console.WriteLine(cpuPerTurn);
        var embeds = await db.QueryAsync<double>("""
            select t.model_ms from bot.ai_turns t join chat.conversations cv on cv.id = t.conversation_id
            join chat.contacts c on c.id = cv.contact_id
            where c.external_id like @prefix || '%' and t.purpose = 'embed' and t.model_ms is not null
            """, new { prefix = prefix + "0" });
        if (embeds.Count > 0) Console.WriteLine($"  the manual's query embeddings (bot.ai_turns 'embed', not in model_ms above): {Stats.Summary(embeds)}");
        await openAi.SetChatLatencyAsync(0);
        return answered == count ? 0 : 1;
    }

    /// <summary>Every other customer asks about an order (the tag tool, then the reply), the others the opening hours.</summary>
    private static async Task WriteAsync(Customers customers, string prefix, int count, double rate)
    {
        var clock = Stopwatch.StartNew();
        var writes = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            var text = i % 2 == 0 ? $"Hola, ¿dónde está mi pedido {40000 + i}? Lo pedí el lunes." : "Buenas, ¿qué horario tenéis el sábado?";
            writes.Add(customers.WriteAsync(prefix + (i + 1).ToString("D6", CultureInfo.InvariantCulture), text));
        }
        await Task.WhenAll(writes);
    }
}
