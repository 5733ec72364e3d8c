using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Dapper;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>The Webhook API as a real process: crash safety in Durable mode, drain on SIGTERM in Fast mode,
/// and 503 (so Meta retries) while the database is unreachable.</summary>
public sealed class ProcessTests
{
    private static async Task<string> NewDatabaseAsync(string label)
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync(label);
        await WebhookHost.SeedAsync(cs);
        return cs;
    }

    private static Dictionary<string, string> Environment(string cs, string ackMode, params (string, string)[] extra)
    {
        var env = new Dictionary<string, string>
        {
            ["MM_Database__ConnectionString"] = cs,
            ["MM_Secrets__MasterKey"] = WebhookHost.MasterKey,
            ["MM_Ingest__AckMode"] = ackMode,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        foreach (var (k, v) in extra) env[k] = v;
        return env;
    }

    private static byte[] Body(string wamid) =>
        Encoding.UTF8.GetBytes(Payloads.Text(wamid, "3480" + (Math.Abs(wamid.GetHashCode()) % 10_000_000).ToString("D7"), "load " + wamid));

    [Fact]
    public async Task Durable_mode_events_acknowledged_before_a_kill_are_all_in_the_database_after_restart()
    {
        var cs = await NewDatabaseAsync("crash");
        var service = await ServiceProcess.StartAsync("WebhookApi", Environment(cs, "Durable"));
        var acked = new ConcurrentBag<string>();
        using var client = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var stop = new CancellationTokenSource();

        var senders = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var wamid = $"wamid.crash-{worker}-{i}";
                try
                {
                    var response = await client.SendAsync(WebhookHost.Signed(Body(wamid), WebhookHost.AppSecret));
                    if (response.StatusCode == HttpStatusCode.OK) acked.Add(wamid);
                }
                catch (HttpRequestException) { return; }
                catch (TaskCanceledException) { return; }
            }
        })).ToArray();

        while (acked.Count < 300) await Task.Delay(20);
        await service.KillAsync();
        await stop.CancelAsync();
        await Task.WhenAll(senders);

        await using var connection = new NpgsqlConnection(cs);
        // A 200 is the raw event's commit: every acknowledged event's body is stored, whatever was normalized.
        var raw = (await connection.QueryAsync<string>(
            "select substring(convert_from(body, 'UTF8') from 'wamid\\.crash-[0-9]+-[0-9]+') from meta.webhook_events")).ToHashSet();
        var notStored = acked.Where(id => !raw.Contains(id)).ToList();
        Assert.True(notStored.Count == 0, $"{notStored.Count} of {acked.Count} acknowledged events not stored, e.g. {string.Join(", ", notStored.Take(5))}");

        // What the killed process left pending is normalized from the raw bodies by the restarted one's orphan pass.
        await using (var restarted = await ServiceProcess.StartAsync("WebhookApi", Environment(cs, "Durable", ("MM_Ingest__OrphanAfterSeconds", "1"))))
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            List<string> lost;
            long pending;
            while (true)
            {
                var stored = (await connection.QueryAsync<string>("select provider_message_id from chat.messages")).ToHashSet();
                lost = acked.Where(id => !stored.Contains(id)).ToList();
                pending = await connection.ExecuteScalarAsync<long>("select count(*) from meta.ingest_pending");
                if (lost.Count == 0 && pending == 0 || DateTime.UtcNow > deadline) break;
                await Task.Delay(200);
            }
            Assert.True(lost.Count == 0, $"{lost.Count} of {acked.Count} acknowledged events lost, e.g. {string.Join(", ", lost.Take(5))}");
            Assert.Equal(0L, pending);

            // Meta redelivers what it did not see acknowledged: one of each is stored, acknowledged or not.
            using var again = new HttpClient { BaseAddress = restarted.BaseAddress };
            foreach (var id in acked.Take(20))
                Assert.Equal(HttpStatusCode.OK, (await again.SendAsync(WebhookHost.Signed(Body(id), WebhookHost.AppSecret))).StatusCode);
            Assert.Equal(0L, await connection.ExecuteScalarAsync<long>(
                "select count(*) from (select provider_message_id from chat.messages group by 1 having count(*) > 1) d"));
        }
    }

    [Fact]
    public async Task Fast_mode_acknowledges_on_enqueue_and_drains_the_queue_on_sigterm()
    {
        var cs = await NewDatabaseAsync("fast");
        var service = await ServiceProcess.StartAsync("WebhookApi",
            Environment(cs, "Fast", ("MM_Ingest__FlushIntervalMs", "60000"), ("MM_Ingest__MaxBatchSize", "10000")));
        using var client = new HttpClient { BaseAddress = service.BaseAddress };
        for (var i = 0; i < 50; i++)
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(WebhookHost.Signed(Body($"wamid.fast-{i}"), WebhookHost.AppSecret))).StatusCode);

        await using var connection = new NpgsqlConnection(cs);
        // Acknowledged but still in memory: the batch waits for its interval (60 s) or size (10,000).
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("select count(*) from meta.webhook_events"));

        await service.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(50L, await connection.ExecuteScalarAsync<long>("select count(*) from meta.webhook_events"));
        Assert.Equal(50L, await connection.ExecuteScalarAsync<long>("select count(*) from chat.messages where provider_message_id like 'wamid.fast-%'"));
        Assert.Contains("Drained 50 queued events", service.Output);
        await service.DisposeAsync();
    }

    [Fact]
    public async Task Durable_mode_answers_503_while_the_database_is_unreachable_and_recovers()
    {
        var cs = await NewDatabaseAsync("outage");
        var database = new NpgsqlConnectionStringBuilder(cs).Database!;
        await using var service = await ServiceProcess.StartAsync("WebhookApi", Environment(cs, "Durable"));
        using var client = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var admin = new NpgsqlConnectionStringBuilder(cs) { Database = "postgres", Pooling = false }.ConnectionString;

        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.ExecuteAsync($"alter database \"{database}\" allow_connections false");
            await connection.ExecuteAsync("select pg_terminate_backend(pid) from pg_stat_activity where datname = @database", new { database });
        }
        var body = Body("wamid.outage-1");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.SendAsync(WebhookHost.Signed(body, WebhookHost.AppSecret))).StatusCode);

        await using (var connection = new NpgsqlConnection(admin))
            await connection.ExecuteAsync($"alter database \"{database}\" allow_connections true");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(WebhookHost.Signed(body, WebhookHost.AppSecret))).StatusCode);
        // The seeding connections in this process's pool were terminated with the others.
        await using var check = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { Pooling = false }.ConnectionString);
        // Acknowledged at the raw commit; the normalizing stage follows (its own connection reconnects too).
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await check.ExecuteScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.outage-1'") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the acknowledged message was not normalized after the outage");
            await Task.Delay(100);
        }
    }
}
