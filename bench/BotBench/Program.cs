using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using MultichannelMessages.MassBench;
using Npgsql;

// Chatbots (issue 15; DESIGN.md: a bot step — customer message ingested → bot reply queued in the outbox — p99 ≤ 50 ms
// with 1,000 active sessions), driven by bench/bots.sh, which starts PostgreSQL (seed-demo: the Demo menu flow on the
// US WhatsApp number), the Webhook API, the Meta sandbox and ONE Worker:
//   BotBench sessions --db CONN --meta URL [--count 1000] [--rate 100] [--prefix 3481]
//       that many customers write "hola": each session sends the welcome and the menu and waits at the menu
//   BotBench step     --db CONN --meta URL [--count 300] [--rate 20] [--prefix 3481] [--offset 0] [--worker-pid P]
//       customers offset.. tap the menu's "Mi pedido" button at rate/s; per turn, the inbound row written → the bot's
//       reply row queued (bench.stamps, clock_timestamp() in the writing transactions), and the Worker's own
//       bot.flow_steps.overhead_ms; every turn must get exactly one reply.
DefaultTypeMap.MatchNamesWithUnderscores = true;
var command = args.FirstOrDefault() ?? "";
var o = new BenchOptions(args.Skip(1).ToArray());
return command switch
{
    "sessions" => await Bench.SessionsAsync(o),
    "step" => await Bench.StepAsync(o),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: BotBench sessions|step --db CONN --meta URL ... (see bench/bots.sh)");
    return 2;
}

internal static class Bench
{
    private const string PhoneNumberId = "106540352242922";
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static string Customer(string prefix, int i) => prefix + i.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Writes through the Meta sandbox at a steady rate (its webhooks reach the Webhook API: real ingestion).</summary>
    private static async Task WriteAsync(string meta, int from, int count, double rate, Func<int, object> message)
    {
        using var http = new HttpClient { BaseAddress = new Uri(meta) };
        var clock = Stopwatch.StartNew();
        var writes = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            var body = message(from + i);
            writes.Add(Task.Run(async () =>
            {
                using var response = await http.PostAsJsonAsync($"/sandbox/customers/{PhoneNumberId}/messages", body, Json);
                response.EnsureSuccessStatusCode();
            }));
        }
        await Task.WhenAll(writes);
    }

    private static async Task<long> ScalarAsync(string db, string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(db);
        return await connection.ExecuteScalarAsync<long>(sql, args);
    }

    public static async Task<int> SessionsAsync(BenchOptions o)
    {
        var db = o.Text("db");
        var count = o.Int("count", 1000);
        var prefix = o.Text("prefix", "3481");
        var clock = Stopwatch.StartNew();
        await WriteAsync(o.Text("meta"), 0, count, o.Number("rate", 100),
            i => new { from = Customer(prefix, i), name = "Cliente " + i, type = "text", text = "hola" });
        long waiting = 0;
        while (clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            waiting = await ScalarAsync(db, "select count(*) from bot.flow_sessions where status = 'active' and phase = 'input' and node_id = 'menu'");
            if (waiting >= count) break;
            await Task.Delay(500);
        }
        Console.WriteLine($"sessions: {waiting} waiting at the menu after {clock.Elapsed.TotalSeconds:F1} s " +
                          $"({await ScalarAsync(db, "select count(*) from bot.flow_sessions where status = 'active'")} active in all)");
        return waiting >= count ? 0 : 1;
    }

    public static async Task<int> StepAsync(BenchOptions o)
    {
        var db = o.Text("db");
        var count = o.Int("count", 300);
        var rate = o.Number("rate", 20);
        var offset = o.Int("offset", 0);
        var prefix = o.Text("prefix", "3481");
        var active = await ScalarAsync(db, "select count(*) from bot.flow_sessions where status = 'active'");
        Console.WriteLine($"step: {count} customers tap a button at {rate}/s with {active} active sessions (customers {offset}..{offset + count - 1})");
        var cpu = CpuSeconds(o.Int("worker-pid", 0));
        var since = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        await WriteAsync(o.Text("meta"), offset, count, rate, i => new
        {
            from = Customer(prefix, i), name = "Cliente " + i, type = "interactive", button_reply_id = "orders", text = "Mi pedido",
        });
        var first = Customer(prefix, offset);
        var last = Customer(prefix, offset + count - 1);
        List<Turn> turns = [];
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            turns = await TurnsAsync(db, first, last, since);
            if (turns.Count(t => t.RepliedMs is not null) >= count) break;
            await Task.Delay(500);
        }
        await Task.Delay(1_000); // a second reply to anyone would be in by now
        turns = await TurnsAsync(db, first, last, since);
        var workerCpu = CpuSeconds(o.Int("worker-pid", 0)) - cpu;
        var answered = turns.Count(t => t.RepliedMs is not null);
        var doubled = turns.Count(t => t.Replies > 1);
        Console.WriteLine($"  answered {answered} of {count} in {clock.Elapsed.TotalSeconds:F1} s; turns with more than one reply: {doubled}");
        Console.WriteLine($"  ingested → reply queued: {Stats.Summary(turns.Where(t => t.RepliedMs is not null).Select(t => t.RepliedMs!.Value))}");
        Console.WriteLine($"    of which ingested → claimed (ingestion's commit, NOTIFY, the claim): {Stats.Summary(turns.Where(t => t.ClaimedMs is not null).Select(t => t.ClaimedMs!.Value))}");
        Console.WriteLine($"    and claimed → reply queued (the step and its commit): {Stats.Summary(turns.Where(t => t.ClaimedMs is not null && t.RepliedMs is not null).Select(t => t.RepliedMs!.Value - t.ClaimedMs!.Value))}");
        await using (var connection = new NpgsqlConnection(db))
        {
            var overhead = (await connection.QueryAsync<double>("""
                select st.overhead_ms::float8 from bot.flow_steps st
                join bot.flow_sessions s on s.id = st.session_id
                join chat.conversations c on c.id = s.conversation_id join chat.contacts ct on ct.id = c.contact_id
                where ct.external_id between @first and @last and st.at >= @since and st.overhead_ms is not null
                """, new { first, last, since })).ToList();
            Console.WriteLine($"  the Worker's own step (bot.flow_steps.overhead_ms, before its commit): {Stats.Summary(overhead)}");
        }
        if (workerCpu > 0) Console.WriteLine($"  Worker CPU: {workerCpu:F2} s, {workerCpu * 1000 / Math.Max(1, answered):F1} ms per turn");
        return answered == count && doubled == 0 ? 0 : 1;
    }

    private sealed record Turn(string Customer, double? RepliedMs, int Replies, double? ClaimedMs);

    /// <summary>Per customer: their button tap's inbound row, the first reply row after it, and how many replies followed.</summary>
    private static async Task<List<Turn>> TurnsAsync(string db, string first, string last, DateTime since)
    {
        await using var connection = new NpgsqlConnection(db);
        return (await connection.QueryAsync<Turn>("""
            with taps as (
                select ct.external_id as customer, m.conversation_id, s.at
                from chat.messages m join bench.stamps s on s.message_id = m.id
                join chat.conversations c on c.id = m.conversation_id join chat.contacts ct on ct.id = c.contact_id
                where m.direction = 'in' and m.type = 'interactive' and ct.external_id between @first and @last and s.at >= @since
            )
            select t.customer,
                   (select extract(epoch from min(s.at) - t.at) * 1000 from bench.stamps s
                    where s.conversation_id = t.conversation_id and s.direction = 'out' and s.at >= t.at)::float8 as replied_ms,
                   (select count(*) from bench.stamps s
                    where s.conversation_id = t.conversation_id and s.direction = 'out' and s.at >= t.at)::int as replies,
                   (select extract(epoch from min(c.at) - t.at) * 1000 from bench.claims c
                    where c.conversation_id = t.conversation_id and c.at >= t.at)::float8 as claimed_ms
            from taps t
            """, new { first, last, since })).ToList();
    }

    private static double CpuSeconds(int pid)
    {
        if (pid <= 0 || !File.Exists($"/proc/{pid}/stat")) return 0;
        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
}
