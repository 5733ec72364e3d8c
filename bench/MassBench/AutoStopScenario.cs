using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MultichannelMessages.MassBench;

/// <summary>
/// Auto-stop latency, --runs times: a campaign sends at --rate/s; once it has sent for a couple of seconds, the bench
/// posts Meta's critical signal for the number (a signed account_update ACCOUNT_RESTRICTION,
/// RESTRICTED_BIZ_INITIATED_MESSAGING: critical in ops.number_health) to the Webhook API, Durable, so the 200 means
/// the pause committed. Latency = the last campaign send the sandbox received − the webhook's acknowledgement (≤ 0:
/// nothing reached the sandbox after the ack). Between runs a REINSTATE clears the restriction.
/// </summary>
public static class AutoStopScenario
{
    public static async Task<int> RunAsync(BenchOptions o)
    {
        var runs = o.Int("runs", 10);
        var count = o.Int("count", 3000);
        var rate = o.Number("rate", 72);
        await using var db = new BenchDatabase(o.Text("db"));
        using var sandbox = new Sandbox(o.Text("sandbox"));
        using var http = new HttpClient();
        var webhook = new Uri(o.Text("webhook"));
        var secret = Encoding.UTF8.GetBytes(o.Text("secret"));

        async Task<(int Status, DateTimeOffset Posted, DateTimeOffset Acked)> PostAsync(string value)
        {
            var body = $$"""{"object":"whatsapp_business_account","entry":[{"id":"{{BenchDatabase.Waba}}","time":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}},"changes":[{"field":"account_update","value":{{value}}}]}]}""";
            var bytes = Encoding.UTF8.GetBytes(body);
            using var request = new HttpRequestMessage(HttpMethod.Post, webhook) { Content = new ByteArrayContent(bytes) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, bytes)));
            var posted = DateTimeOffset.UtcNow;
            using var response = await http.SendAsync(request);
            return ((int)response.StatusCode, posted, DateTimeOffset.UtcNow);
        }

        Console.WriteLine($"{runs} runs: a campaign of {count} at {rate}/s, then a signed ACCOUNT_RESTRICTION webhook");
        Console.WriteLine("run  sent-before  ack-ms  sends-after-ack  last-send-after-ack-ms  last-send-after-post-ms  campaign");
        var afterAck = new List<double>();
        var afterPost = new List<double>();
        var random = new Random(13);
        for (var run = 1; run <= runs; run++)
        {
            var prefix = "36" + run.ToString("D2", CultureInfo.InvariantCulture);
            var campaignId = await db.CampaignAsync(prefix, count, rate, "sending");
            await db.ExecuteAsync("select pg_notify('mass', 'start')");
            var wait = Stopwatch.StartNew();
            while (await db.SentAsync(campaignId) < rate * 2 && wait.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(50);
            await Task.Delay(random.Next(0, 1000));

            var restriction = $$"""{"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":4102444800}],"bench_run":{{run}}}""";
            var (status, posted, acked) = await PostAsync(restriction);
            if (status != 200) throw new InvalidOperationException($"the webhook answered {status}");
            await Task.Delay(3000);
            var sends = (await sandbox.SentAsync("template")).Where(s => s.To.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            var lastSend = sends.Max(s => s.SentAt);
            var campaign = await db.QueryAsync<(string Status, string? StopCode)>("select status, stop_code from mass.campaigns where id = @campaignId",
                new { campaignId });
            afterAck.Add((lastSend - acked).TotalMilliseconds);
            afterPost.Add((lastSend - posted).TotalMilliseconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{run,3}  {sends.Count(s => s.SentAt <= posted),11}  {(acked - posted).TotalMilliseconds,6:F1}  {sends.Count(s => s.SentAt > acked),15}  " +
                $"{afterAck[^1],22:F1}  {afterPost[^1],23:F1}  {campaign[0].Status} {campaign[0].StopCode}"));

            // Reinstated: the number is healthy again; the paused campaign is stopped for good and the next run starts anew.
            var reinstate = $$"""{"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":["REINSTATE"],"waba_ban_date":"August 1, 2026"},"bench_run":{{run}}}""";
            if ((await PostAsync(reinstate)).Status != 200) throw new InvalidOperationException("REINSTATE refused");
            await db.ExecuteAsync("update mass.campaigns set status = 'stopped' where id = @campaignId", new { campaignId });
            var level = await db.ScalarAsync<string>("select coalesce(health_level, 'none') from meta.accounts where external_id = @a", new { a = BenchDatabase.Account });
            if (level == "critical") throw new InvalidOperationException("the number is still critical after REINSTATE");
        }
        var ack = afterAck.Order().ToList();
        var post = afterPost.Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"last send − ack:  median {Stats.Percentile(ack, 0.5):F1} ms, max {ack[^1]:F1} ms (≤ 0: nothing arrived after the ack)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"last send − POST: median {Stats.Percentile(post, 0.5):F1} ms, max {post[^1]:F1} ms; target ≤ 1000 ms"));
        return 0;
    }
}
