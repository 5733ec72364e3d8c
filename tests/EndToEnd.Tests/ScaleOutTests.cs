using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using MultichannelMessages.Migrator;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.TestSupport;
using Npgsql;
using Xunit.Abstractions;

namespace MultichannelMessages.EndToEnd.Tests;

/// <summary>
/// Issue 19, "several instances of everything": 2 Webhook APIs, 2 Core APIs and 3 Workers as processes on one
/// database, the Webhook APIs and the Core APIs each behind a real reverse proxy (YARP: round robin, health-checked),
/// and the Meta sandbox posting to the Webhook APIs' proxy.
/// </summary>
public sealed class ScaledPlatform : IAsyncLifetime
{
    public const string Password = "scale password 1";
    private const string AccessToken = "scale-graph-token";
    private readonly List<IAsyncDisposable> _owned = [];

    public List<ServiceProcess> WebhookApis { get; } = [];
    public List<ServiceProcess> CoreApis { get; } = [];
    public List<ServiceProcess> Workers { get; } = [];
    public ServiceProcess Sandbox { get; private set; } = null!;
    public ReverseProxy WebhookProxy { get; private set; } = null!;
    public ReverseProxy CoreProxy { get; private set; } = null!;
    public string ConnectionString { get; private set; } = "";
    public long ProjectId { get; private set; }

    public async Task InitializeAsync()
    {
        var cs = ConnectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("scaleout");
        var masterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var appSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        ProjectId = await DemoSeeder.SeedAsync(cs, new SecretProtector(masterKey), "100000000000001", appSecret, "verify-scale", Password, AccessToken);
        var common = new Dictionary<string, string>
        {
            ["MM_Database__ConnectionString"] = cs,
            ["MM_Secrets__MasterKey"] = masterKey,
            // One signing key: a token from one Core API is valid on the other.
            ["MM_Jwt__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        for (var i = 0; i < 2; i++) WebhookApis.Add(await StartAsync("WebhookApi", common));
        for (var i = 0; i < 2; i++) CoreApis.Add(await StartAsync("CoreApi", common));
        WebhookProxy = Own(await ReverseProxy.StartAsync([.. WebhookApis.Select(s => s.BaseAddress)]));
        CoreProxy = Own(await ReverseProxy.StartAsync([.. CoreApis.Select(s => s.BaseAddress)]));
        var sandbox = new Dictionary<string, string>(common)
        {
            ["MM_Sandbox__WebhookUrl"] = new Uri(WebhookProxy.Address, "/webhook").ToString(),
            ["MM_Sandbox__AppSecret"] = appSecret,
            // Meta retries for hours; 20 attempts at most 2 s apart outlast a killed instance leaving the rotation.
            ["MM_Sandbox__Webhooks__MaxAttempts"] = "20",
            ["MM_Sandbox__Webhooks__RetryMaxDelayMs"] = "2000",
        };
        for (var i = 0; i < DemoSeeder.Accounts.Length; i++) sandbox[$"MM_Sandbox__Accounts__{i}__AccessToken"] = AccessToken;
        Sandbox = await StartAsync("MetaSandbox", sandbox);
        var worker = new Dictionary<string, string>(common)
        {
            ["MM_Graph__BaseAddress"] = Sandbox.BaseAddress.ToString().TrimEnd('/'),
            ["MM_Graph__TimeoutSeconds"] = "2",
            // A killed Worker's rows are taken over when their lease ends: the shortest lease the start rule allows
            // (Graph timeout 2 s + pacing hold 5 s + 4 s), so the test does not wait the default 30 s.
            ["MM_Outbox__LeaseSeconds"] = "12",
            ["MM_Outbox__ConfirmationWindowSeconds"] = "20",
        };
        for (var i = 0; i < 3; i++) Workers.Add(await StartAsync("Worker", worker));
    }

    private T Own<T>(T disposable) where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private async Task<ServiceProcess> StartAsync(string project, IReadOnlyDictionary<string, string> env) =>
        Own(await ServiceProcess.StartProjectAsync(project, env));

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned)) await owned.DisposeAsync();
    }

    public string Diagnostics() => string.Join("\n", _owned.OfType<ServiceProcess>().Select(s =>
        $"--- {s.BaseAddress}\n" + string.Join("\n", s.Output.Split('\n').TakeLast(15))));

    public async Task<(HttpClient Client, string Token)> SignInAsync(Uri coreApi, string email)
    {
        var client = new HttpClient { BaseAddress = coreApi, Timeout = TimeSpan.FromSeconds(15) };
        var login = await client.PostAsJsonAsync("/auth/login", new { email, password = Password });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (client, token);
    }
}

public sealed class ScaleOutTests(ScaledPlatform platform, ITestOutputHelper output) : IClassFixture<ScaledPlatform>
{
    private const string PhoneNumberId = "1122334455667";

    private sealed record Change(long Id, string Kind, long? ConversationId, long? MessageId, string? MessageStatus,
        string? MessageDirection, string? MessageBody);

    /// <summary>A console: the hub of one Core API (directly, or through the proxy), joined to the project, every change
    /// it receives kept; after a reconnect (to whichever instance the proxy picks) it joins again and catches up from
    /// the last change it saw, as the Front does.</summary>
    private sealed class Console(HubConnection hub, long projectId) : IAsyncDisposable
    {
        public ConcurrentDictionary<long, Change> Seen { get; } = new();
        public int Reconnects;

        public static async Task<Console> OpenAsync(Uri coreApi, string token, long projectId)
        {
            var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(coreApi, "/hubs/console"), HttpTransportType.WebSockets, o =>
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                    o.SkipNegotiation = true; // one WebSocket request: no negotiate that a proxy could send elsewhere
                })
                .WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2),
                    TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)])
                .Build();
            var console = new Console(hub, projectId);
            hub.On<Change>("change", c => console.Seen[c.Id] = c);
            hub.Reconnected += async _ =>
            {
                Interlocked.Increment(ref console.Reconnects);
                await hub.InvokeAsync<long>("JoinProject", projectId);
                await console.CatchUpAsync();
            };
            await hub.StartAsync();
            await hub.InvokeAsync<long>("JoinProject", projectId);
            return console;
        }

        // As the Front's LiveFeed: from a little below the highest id seen, since a late change (an id taken before a
        // higher one, committed after it) may have been pushed while this console was away.
        private async Task CatchUpAsync()
        {
            var after = Math.Max(0, (Seen.IsEmpty ? 0 : Seen.Keys.Max()) - 5_000);
            while (true)
            {
                var page = await hub.InvokeAsync<Change[]>("GetChangesSince", projectId, after);
                foreach (var c in page) Seen[c.Id] = c;
                if (page.Length < 500) return;
                after = page[^1].Id;
            }
        }

        public async Task<Change> WaitAsync(Func<Change, bool> match, string what, ScaledPlatform platform)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                if (Seen.Values.FirstOrDefault(match) is { } found) return found;
                await Task.Delay(50);
            }
            throw new TimeoutException($"no push within 30 s: {what}\n{platform.Diagnostics()}");
        }

        public ValueTask DisposeAsync() => hub.DisposeAsync();
    }

    [Fact]
    public async Task Consoles_on_different_core_apis_see_each_others_changes_and_killing_one_of_each_service_loses_and_repeats_nothing()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        using var sandbox = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        var (viaFirst, token) = await platform.SignInAsync(platform.CoreApis[0].BaseAddress, "agent@demo.local");
        await using var onFirst = await Console.OpenAsync(platform.CoreApis[0].BaseAddress, token, platform.ProjectId);
        await using var onSecond = await Console.OpenAsync(platform.CoreApis[1].BaseAddress, token, platform.ProjectId);
        // Two consoles through the proxy: round robin puts one on each Core API, so one of them loses its instance below.
        await using var viaProxyA = await Console.OpenAsync(platform.CoreProxy.Address, token, platform.ProjectId);
        await using var viaProxyB = await Console.OpenAsync(platform.CoreProxy.Address, token, platform.ProjectId);

        // 1. A customer writes (the sandbox posts to the Webhook APIs' proxy): both instances' consoles are told.
        var hello = $"hola {run}";
        (await sandbox.PostAsJsonAsync($"/sandbox/customers/{PhoneNumberId}/messages", new { from = "34655592000", name = "Scale", text = hello }))
            .EnsureSuccessStatusCode();
        var inbound = await onFirst.WaitAsync(c => c.Kind == "message_created" && c.MessageBody == hello, "inbound on the first Core API", platform);
        await onSecond.WaitAsync(c => c.Id == inbound.Id, "inbound on the second Core API", platform);

        // 2. A reply sent through the first Core API is pushed, with its ticks, to the console on the second.
        var replyText = $"reply on the first {run}";
        var reply = await viaFirst.PostAsJsonAsync($"/conversations/{inbound.ConversationId}/messages", new { text = replyText, clientMessageId = Guid.NewGuid().ToString() });
        reply.EnsureSuccessStatusCode();
        var replyId = (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetInt64();
        await onSecond.WaitAsync(c => c.MessageId == replyId && c.MessageStatus == "delivered", "the reply's delivered tick on the second Core API", platform);

        // 3. Load through the proxies while one instance of each service is SIGKILLed in turn.
        var customers = Enumerable.Range(0, 8).Select(i => $"3465593{i:D4}").ToArray();
        using var agent = new HttpClient { BaseAddress = platform.CoreProxy.Address, Timeout = TimeSpan.FromSeconds(15) };
        agent.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var stop = new CancellationTokenSource();
        var written = new ConcurrentBag<string>();
        var replies = new ConcurrentBag<string>();
        var refusals = new ConcurrentQueue<(System.Net.HttpStatusCode Status, string Body)>();
        var customerLoad = Load.CustomersWriteAsync(sandbox, PhoneNumberId, customers, run, written, TimeSpan.FromMilliseconds(50), stop.Token);
        var replyLoad = Load.AgentRepliesAsync(agent, [inbound.ConversationId!.Value], run, replies, refusals, stop.Token);

        await Task.Delay(TimeSpan.FromSeconds(3));
        await platform.WebhookApis[0].KillAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await platform.CoreApis[0].KillAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await platform.Workers[0].KillAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await Task.WhenAll(customerLoad, replyLoad);
        output.WriteLine($"{written.Count} customer messages, {replies.Count} replies; the proxied consoles reconnected {viaProxyA.Reconnects} and {viaProxyB.Reconnects} times");

        // Every customer message arrives once (the sandbox retried what the killed instance did not acknowledge).
        await using var db = new NpgsqlConnection(platform.ConnectionString);
        var texts = written.ToArray();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        List<string> arrived;
        while ((arrived = (await db.QueryAsync<string>("select body from chat.messages where direction = 'in' and body = any(@texts)", new { texts })).ToList()).Count < texts.Length
               && DateTime.UtcNow < deadline)
            await Task.Delay(500);
        Assert.Equal(texts.Order(), arrived.Order());

        // Every reply is one message, sent once, by whichever Worker took it (the killed one's lease handed over).
        var replyTexts = replies.ToArray();
        Assert.Equal(replyTexts.Length, await db.ExecuteScalarAsync<long>(
            "select count(*) from chat.messages where direction = 'out' and body = any(@replyTexts)", new { replyTexts }));
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (await db.ExecuteScalarAsync<long>("""
                   select count(*) from chat.messages where direction = 'out' and body = any(@replyTexts) and status in ('sent', 'delivered', 'read')
                   """, new { replyTexts }) < replyTexts.Length && DateTime.UtcNow < deadline)
            await Task.Delay(500);
        foreach (var text in replyTexts)
        {
            var sent = await sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/sent/count?text={Uri.EscapeDataString(text)}");
            Assert.True(sent.GetProperty("count").GetInt32() == 1, $"'{text}' reached Meta {sent.GetProperty("count").GetInt32()} times");
        }
        Assert.True(await db.ExecuteScalarAsync<long>("""
            select count(*) from chat.messages where direction = 'out' and body = any(@replyTexts) and status in ('sent', 'delivered', 'read')
            """, new { replyTexts }) == replyTexts.Length, "every reply sent\n" + platform.Diagnostics());

        // The proxied console on the killed Core API reconnected (through the proxy, to the other) and caught up: both
        // have every customer message, as the console on the surviving instance does.
        Assert.Equal(1, viaProxyA.Reconnects + viaProxyB.Reconnects);
        foreach (var text in texts)
        {
            await viaProxyA.WaitAsync(c => c.Kind == "message_created" && c.MessageBody == text, $"'{text}' on proxied console A", platform);
            await viaProxyB.WaitAsync(c => c.Kind == "message_created" && c.MessageBody == text, $"'{text}' on proxied console B", platform);
            await onSecond.WaitAsync(c => c.Kind == "message_created" && c.MessageBody == text, $"'{text}' on the second Core API's console", platform);
        }
    }
}
