using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>A Core API on a PostgreSQL primary of its own with a real streaming replica (pg_basebackup), configured as
/// Database:ReadOnlyConnectionString.</summary>
public sealed class ReplicaCoreHost : CoreHost
{
    private PostgresCluster? _primary;
    private PostgresCluster? _replica;

    public string ReplicaConnectionString { get; private set; } = "";

    protected override async Task<string> CreateDatabaseAsync()
    {
        _primary = PostgresCluster.Start();
        var primary = await PostgresServer.CreateMigratedDatabaseAsync(_primary.AdminConnectionString, "replicated");
        _replica = PostgresCluster.StartReplicaOf(_primary);
        ReplicaConnectionString = new NpgsqlConnectionStringBuilder(primary) { Port = _replica.Port }.ConnectionString;
        return primary;
    }

    protected override void Configure(IWebHostBuilder builder) => builder.UseSetting("Database:ReadOnlyConnectionString", ReplicaConnectionString);

    /// <summary>Stops the replica's server (as a crash would) and returns a function that starts it again.</summary>
    public Action StopReplica()
    {
        _replica!.Stop();
        return () => _replica!.StartAgain();
    }

    public async Task<T> OnReplicaAsync<T>(string sql, object? args = null)
    {
        // Unpooled: a pooled connection dies with a replica another test stopped and started again.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ReplicaConnectionString) { Pooling = false }.ConnectionString);
        return (await connection.ExecuteScalarAsync<T>(sql, args))!;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        _replica?.Dispose();
        _primary?.Dispose();
    }
}

/// <summary>
/// Issue 19, "a read replica": search and dashboard tiles read the replica; the thread, which must show one's own
/// send at once, reads the primary. Replay on the replica is paused to make the lag visible: the new message is in
/// its thread at once and reaches search only when the replica has replayed it.
/// </summary>
public sealed class ReadReplicaTests(ReplicaCoreHost host) : IClassFixture<ReplicaCoreHost>
{
    private static async Task<bool> FoundAsync(HttpClient client, long projectId, string text)
    {
        var page = await client.GetFromJsonAsync<JsonElement>($"/projects/{projectId}/search?q={Uri.EscapeDataString(text)}");
        return page.GetProperty("items").GetArrayLength() > 0;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what);
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Search_and_tiles_read_the_replica_while_the_thread_reads_the_primary()
    {
        Assert.True(await host.OnReplicaAsync<bool>("select pg_is_in_recovery()"));
        var supervisor = await host.As("supervisor@demo.local");

        // The control: with the replica replaying, a customer's message is found by search once replayed.
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34961000001", "replicated walrus", host.GeneralQueueId);
        await UntilAsync(() => FoundAsync(supervisor, host.DemoProjectId, "walrus"), "search finds the replayed message");

        // Replay paused: the replica stops where it is.
        await host.OnReplicaAsync<object>("select pg_wal_replay_pause()");
        await UntilAsync(async () => await host.OnReplicaAsync<string>("select pg_get_wal_replay_pause_state()") == "paused", "replay paused");
        var send = await supervisor.PostAsJsonAsync($"/conversations/{conversation}/messages", new { text = "lagging narwhal" });
        send.EnsureSuccessStatusCode();

        // The sender's thread shows it at once (primary) …
        var thread = await supervisor.GetFromJsonAsync<JsonElement>($"/conversations/{conversation}/messages");
        Assert.Contains(thread.GetProperty("items").EnumerateArray(), m => m.GetProperty("body").GetString() == "lagging narwhal");
        // … search does not yet (replica), which proves where search reads; the same word is on the primary.
        // (Waited for, not read once: after another test stopped the replica, reads stay on the primary for
        // ReadReplica.RetryAfter before trying it again.)
        await UntilAsync(async () => !await FoundAsync(supervisor, host.DemoProjectId, "narwhal"), "search reads the paused replica");
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from chat.messages where body = 'lagging narwhal'"));
        Assert.Equal(0L, await host.OnReplicaAsync<long>("select count(*) from chat.messages where body = 'lagging narwhal'"));
        // Tiles answer from the replica while it lags.
        var range = $"from={DateTime.UtcNow:yyyy-MM-dd}&to={DateTime.UtcNow:yyyy-MM-dd}";
        Assert.Equal(HttpStatusCode.OK, (await supervisor.GetAsync($"/projects/{host.DemoProjectId}/dashboards/tiles/messages?{range}")).StatusCode);

        // Replay resumes: search catches up.
        await host.OnReplicaAsync<object>("select pg_wal_replay_resume()");
        await UntilAsync(() => FoundAsync(supervisor, host.DemoProjectId, "narwhal"), "search finds the message once replayed");
    }

    private static async Task<JsonElement> ReplicaHealthAsync(HttpClient client)
    {
        var response = await client.GetAsync("/health");
        // The replica never takes the service out of a load balancer: 200 whatever the replica's state.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("read_replica");
    }

    [Fact]
    public async Task A_replica_that_is_down_sends_search_and_tiles_to_the_primary_and_health_says_so_without_failing_the_service()
    {
        var supervisor = await host.As("supervisor@demo.local");
        var anonymous = host.Anonymous();
        // Up: healthy, in recovery, with its lag.
        await UntilAsync(async () => (await ReplicaHealthAsync(anonymous)).GetProperty("status").GetString() == "Healthy", "the replica healthy");
        var up = await ReplicaHealthAsync(anonymous);
        Assert.True(up.GetProperty("data").GetProperty("in_recovery").GetBoolean());
        Assert.True(up.GetProperty("data").TryGetProperty("replay_lag_seconds", out _));

        var start = host.StopReplica();
        try
        {
            // A message written now exists only on the primary: search finds it, so search read the primary.
            var conversation = await host.ConversationAsync(host.DemoAccountId, "34961000002", "fallback platypus", host.GeneralQueueId);
            Assert.True(await FoundAsync(supervisor, host.DemoProjectId, "platypus"));
            var range = $"from={DateTime.UtcNow:yyyy-MM-dd}&to={DateTime.UtcNow:yyyy-MM-dd}";
            Assert.Equal(HttpStatusCode.OK, (await supervisor.GetAsync($"/projects/{host.DemoProjectId}/dashboards/tiles/messages?{range}")).StatusCode);
            var down = await ReplicaHealthAsync(anonymous);
            Assert.Equal("Degraded", down.GetProperty("status").GetString());
            Assert.Contains("unreachable", down.GetProperty("description").GetString());
            Assert.True(conversation > 0);
        }
        finally
        {
            start();
        }
        // Back: healthy again (the replica catches up by itself), and search reads it again after the retry pause.
        await UntilAsync(async () => (await ReplicaHealthAsync(anonymous)).GetProperty("status").GetString() == "Healthy", "the replica healthy again");
        await UntilAsync(async () => await host.OnReplicaAsync<long>("select count(*) from chat.messages where body = 'fallback platypus'") == 1,
            "the replica replays what it missed");
    }

    private async Task<string> CommandLogCsvAsync(HttpClient client) =>
        await client.GetStringAsync($"/projects/{host.DemoProjectId}/command-log.csv?action=queue.create");

    private async Task<string> NewQueueAsync(HttpClient admin, string name)
    {
        (await admin.PostAsJsonAsync($"/projects/{host.DemoProjectId}/queues", new { name })).EnsureSuccessStatusCode();
        return name;
    }

    [Fact]
    public async Task Exports_read_the_replica_and_fall_back_to_the_primary_when_it_is_down()
    {
        var admin = await host.As("admin@demo.local");
        // The control: a command written while the replica replays is in the export once replayed.
        var first = await NewQueueAsync(admin, "Replicated " + Guid.NewGuid().ToString("N")[..6]);
        await UntilAsync(async () => (await CommandLogCsvAsync(admin)).Contains(first), "the export has the replayed command");

        // Replay paused: a new command is on the primary, not in the export (which therefore reads the replica).
        await host.OnReplicaAsync<object>("select pg_wal_replay_pause()");
        await UntilAsync(async () => await host.OnReplicaAsync<string>("select pg_get_wal_replay_pause_state()") == "paused", "replay paused");
        var lagging = await NewQueueAsync(admin, "Lagging " + Guid.NewGuid().ToString("N")[..6]);
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from ops.command_log where action = 'queue.create' and after ->> 'name' = @lagging",
            new { lagging }));
        await UntilAsync(async () => !(await CommandLogCsvAsync(admin)).Contains(lagging), "the export reads the paused replica");
        await host.OnReplicaAsync<object>("select pg_wal_replay_resume()");
        await UntilAsync(async () => (await CommandLogCsvAsync(admin)).Contains(lagging), "the export has it once replayed");

        // The replica down: the export is served by the primary, whole, at once.
        var start = host.StopReplica();
        try
        {
            var fallback = await NewQueueAsync(admin, "Fallback " + Guid.NewGuid().ToString("N")[..6]);
            var csv = await CommandLogCsvAsync(admin);
            Assert.Contains(fallback, csv);
            Assert.StartsWith("id,at,project_id,actor,action", csv);
        }
        finally
        {
            start();
        }
    }

    /// <summary>Insights: the rules (rollup reads) come from the replica; the AI run the console just asked for comes from the
    /// primary in the same answer, so the panel shows "pending" at once however far the replica lags.</summary>
    [Fact]
    public async Task Insights_rules_read_the_replica_and_the_AI_run_just_requested_reads_the_primary()
    {
        var admin = await host.As("admin@demo.local");
        var p = host.DemoProjectId;
        var range = $"from={DateTime.UtcNow:yyyy-MM-dd}&to={DateTime.UtcNow:yyyy-MM-dd}";
        async Task<JsonElement> InsightsAsync() => await admin.GetFromJsonAsync<JsonElement>($"/projects/{p}/dashboards/insights?{range}");
        static DateTime? Fresh(JsonElement insights) =>
            insights.GetProperty("freshAt").ValueKind == JsonValueKind.Null ? null : insights.GetProperty("freshAt").GetDateTime().ToUniversalTime();
        // A provider, so insights can be asked for (no Worker runs here: the run stays pending). How current the rollups
        // are (ops.dash_cursors, in the answer as freshAt) is the marker that tells which server answered.
        await host.ScalarAsync<long>("""
            with i as (insert into bot.ai_providers (project_id, base_url, chat_model) values (@p, 'https://api.openai.example/v1', 'gpt-4.1-mini')
                       on conflict (project_id) do nothing returning 1) select count(*) from i
            """, new { p });
        var replayed = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var lagging = new DateTime(2002, 2, 2, 0, 0, 0, DateTimeKind.Utc);
        const string SetFresh = "with u as (update ops.dash_cursors set fresh_at = @at returning 1) select count(*) from u";

        // The control: written while the replica replays, the marker is in the answer once replayed.
        Assert.True(await host.ScalarAsync<long>(SetFresh, new { at = replayed }) > 0);
        await UntilAsync(async () => Fresh(await InsightsAsync()) == replayed, "insights show the replayed marker");

        // Replay paused: the primary moves on, the answer's rules part does not (it reads the replica) …
        await host.OnReplicaAsync<object>("select pg_wal_replay_pause()");
        await UntilAsync(async () => await host.OnReplicaAsync<string>("select pg_get_wal_replay_pause_state()") == "paused", "replay paused");
        await host.ScalarAsync<long>(SetFresh, new { at = lagging });
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"/projects/{p}/dashboards/insights/ai?{range}", null)).StatusCode);
        // … while the AI run just requested is in the very same answer (the primary).
        JsonElement answer = default;
        await UntilAsync(async () => Fresh(answer = await InsightsAsync()) == replayed, "the rules read the paused replica");
        Assert.Equal("pending", answer.GetProperty("ai").GetProperty("state").GetString());
        Assert.Equal(0L, await host.OnReplicaAsync<long>("select count(*) from ops.dash_insight_runs where project_id = @p", new { p }));

        await host.OnReplicaAsync<object>("select pg_wal_replay_resume()");
        await UntilAsync(async () => Fresh(await InsightsAsync()) == lagging, "the rules catch up once replayed");
    }
}
