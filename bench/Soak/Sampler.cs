using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using MultichannelMessages.MassBench;
using Npgsql;

namespace MultichannelMessages.Soak;

/// <summary>Where the sampler reads: the database, the services' /metrics, the Meta sandbox, the processes.</summary>
public sealed record SampleSources(NpgsqlDataSource Db, IReadOnlyDictionary<string, Uri> Metrics, Uri Meta, IReadOnlyDictionary<string, int> Pids,
    int Postmaster, ConsoleFeed Console, long CampaignId, SandboxWatch Sandbox);

/// <summary>
/// Every sample interval, one row: resident memory of each service and of PostgreSQL, the interval's latencies
/// (p50/p99 of what completed in it), the depths of the queues the Worker drains and of ingestion, and the database's
/// size; appended to the CSV as it is taken, so a run cut short keeps its rows.
/// </summary>
public sealed class Sampler(Tracking tracking, SampleSources sources, string csvPath)
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    /// <summary>The Worker's own claim → Graph request histogram, and the Webhook API's events waiting for the flusher.</summary>
    private const string ClaimToRequest = "outbox_claim_to_request_milliseconds";
    private const string IngestQueue = "webhook_queue_depth";
    private SortedDictionary<double, double> _claimBuckets = [];
    private long _campaignSent;

    public List<OrderedDictionary<string, double>> Rows { get; } = [];

    public async Task StartAsync()
    {
        _claimBuckets = (await Metrics.ScrapeAsync(_http, sources.Metrics["worker"])).Buckets(ClaimToRequest);
        _clock.Restart();
    }

    /// <summary>Takes <paramref name="samples"/> rows, one every <paramref name="every"/> from <see cref="StartAsync"/>.</summary>
    public async Task RunAsync(TimeSpan every, int samples)
    {
        for (var n = 1; n <= samples; n++)
        {
            var due = every * n;
            if (due > _clock.Elapsed) await Task.Delay(due - _clock.Elapsed);
            var row = await SampleAsync(n * every.TotalMinutes);
            Rows.Add(row);
            await File.AppendAllTextAsync(csvPath, (Rows.Count == 1 ? string.Join(',', row.Keys) + "\n" : "") +
                                                   string.Join(',', row.Values.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture))) + "\n");
            Console.WriteLine(Line(row));
        }
    }

    private async Task<OrderedDictionary<string, double>> SampleAsync(double minute)
    {
        var row = new OrderedDictionary<string, double> { ["minute"] = minute, ["load1"] = LoadAverage() };
        foreach (var (name, pid) in sources.Pids) row[$"rss_{name}_mb"] = ProcessMemory.RssMb(pid);
        row["pss_postgres_mb"] = ProcessMemory.PostgresMb(sources.Postmaster);
        row["rss_soak_mb"] = ProcessMemory.RssMb(Environment.ProcessId);
        // The managed heap after the last GC: tells managed growth from native or runtime growth when an RSS rises. It
        // counts gen2 garbage until a full collection runs, so a slow rise alone is not a leak: a gcdump (which forces
        // one) tells (bench/RESULTS.md, the soak: live heaps flat while this rose).
        var metrics = new Dictionary<string, Metrics>();
        foreach (var (name, url) in sources.Metrics)
        {
            metrics[name] = await Metrics.ScrapeAsync(_http, url);
            row[$"heap_{name}_mb"] = metrics[name].Sum("dotnet_gc_last_collection_heap_size_bytes") / 1048576.0;
        }

        await sources.Sandbox.PollAsync();
        var t = tracking.Latencies;
        Percentiles(row, "ack", t.WebhookAck.Drain());
        Percentiles(row, "push", t.Push.Drain());
        Percentiles(row, "inbox", t.InboxPage.Drain());
        Percentiles(row, "send_api", t.SendApi.Drain());
        Percentiles(row, "reply", t.AgentReply.Drain());
        var buckets = metrics["worker"].Buckets(ClaimToRequest);
        row["claim_p99_bound"] = Metrics.QuantileBound(_claimBuckets, buckets, 0.99);
        _claimBuckets = buckets;
        Percentiles(row, "ai", t.AiReply.Drain());
        Percentiles(row, "bot", t.BotReply.Drain());

        var consoleAt = sources.Console.LastId; // before the head is read, so "behind" is never below zero but for a race
        await using var connection = await sources.Db.OpenConnectionAsync();
        var d = await connection.QuerySingleAsync<Depths>(Depths.Sql, new { campaign = sources.CampaignId });
        row["campaign_per_min"] = (d.CampaignSent - _campaignSent) / (minute - (Rows.Count == 0 ? 0 : Rows[^1]["minute"]));
        _campaignSent = d.CampaignSent;
        row["campaign_lag"] = d.CampaignLag;
        row["outbox_pending"] = d.OutboxPending;
        row["outbox_overdue"] = d.OutboxOverdue;
        row["mass_sending"] = d.MassSending;
        row["ai_due"] = d.AiDue;
        row["bot_due"] = d.BotDue;
        row["bot_active"] = d.BotActive;
        row["ingest_queue"] = metrics["webhook"].Sum(IngestQueue);
        row["meta_webhooks_pending"] = (await _http.GetFromJsonAsync<JsonElement>(new Uri(sources.Meta, "/sandbox/webhooks"))).GetProperty("pending").GetDouble();
        row["feed_behind"] = d.FeedHead - consoleAt;
        row["dead_letters"] = d.DeadLetters;
        row["errors_logged"] = d.ErrorsLogged;
        row["db_mb"] = d.DbBytes / 1048576.0;
        var now = DateTimeOffset.UtcNow;
        foreach (var expectations in tracking.All)
            Interlocked.Add(ref tracking.Counters.NeverArrived, expectations.Forget(TimeSpan.FromMinutes(5), now));
        return row;
    }

    private static void Percentiles(OrderedDictionary<string, double> row, string name, List<double> sorted)
    {
        row[$"{name}_p50"] = Stats.Percentile(sorted, 0.5);
        row[$"{name}_p99"] = Stats.Percentile(sorted, 0.99);
        row[$"{name}_n"] = sorted.Count;
    }

    private static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    private static string Line(OrderedDictionary<string, double> r) => string.Create(CultureInfo.InvariantCulture,
        $"{r["minute"],5:0.#} min  load {r["load1"],4:F1}  RSS MB webhook {r["rss_webhook_mb"]:F0} core {r["rss_core_mb"]:F0} worker {r["rss_worker_mb"]:F0} " +
        $"pg {r["pss_postgres_mb"]:F0}  |  p99 ms ack {r["ack_p99"]:F1} push {r["push_p99"]:F0} send {r["send_api_p99"]:F0} reply {r["reply_p99"]:F0} " +
        $"ai {r["ai_p99"]:F0} bot {r["bot_p99"]:F0}  |  campaign {r["campaign_per_min"]:F0}/min  outbox {r["outbox_pending"]:F0} ai due {r["ai_due"]:F0} " +
        $"bot due {r["bot_due"]:F0} ingest {r["ingest_queue"]:F0} feed behind {r["feed_behind"]:F0}  db {r["db_mb"]:F0} MB");

    /// <summary>The queues the Worker's loops drain and what tells their health, in one statement.</summary>
    private sealed record Depths(long OutboxPending, long OutboxOverdue, long MassSending, long CampaignSent, double CampaignLag, long AiDue, long BotDue, long BotActive,
        long FeedHead, long DeadLetters, long ErrorsLogged, long DbBytes)
    {
        public const string Sql = """
            select (select count(*) from ops.outbox where completed_at is null) as OutboxPending,
                   -- due more than 5 s ago and still not sent: the pump is behind (pacing holds included)
                   (select count(*) from ops.outbox where completed_at is null and next_attempt_at < now() - interval '5 seconds') as OutboxOverdue,
                   (select count(*) from mass.recipients where campaign_id = @campaign and status = 'sending') as MassSending,
                   (select count(*) from mass.recipients where campaign_id = @campaign
                    and status in ('accepted', 'held', 'sent', 'delivered', 'read')) as CampaignSent,
                   -- sends behind the configured rate since the campaign started: steady if the loop keeps its rate
                   coalesce((select (extract(epoch from now() - c.started_at) * c.rate_per_second
                            - (select count(*) from mass.recipients r where r.campaign_id = c.id
                               and r.status in ('accepted', 'held', 'sent', 'delivered', 'read')))::float8
                    from mass.campaigns c where c.id = @campaign), 0) as CampaignLag,
                   -- past the debounce, waiting for the AI loop or running (model time included)
                   (select count(*) from bot.ai_conversations where due_at <= now()) as AiDue,
                   (select count(*) from bot.flow_sessions where status = 'active' and due_at <= now()) as BotDue,
                   (select count(*) from bot.flow_sessions where status = 'active') as BotActive,
                   (select coalesce(max(id), 0) from ops.change_feed) as FeedHead,
                   (select count(*) from ops.dead_letters) as DeadLetters,
                   (select coalesce(sum(count), 0)::bigint from ops.error_log) as ErrorsLogged,
                   pg_database_size(current_database()) as DbBytes
            """;
    }
}
