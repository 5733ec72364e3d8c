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
using static MultichannelMessages.EndToEnd.Tests.Calls;

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
    /// <summary>The OpenAI sandbox, playing the model of the AI agent the Workers share.</summary>
    public ServiceProcess OpenAi { get; private set; } = null!;
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
        OpenAi = await StartAsync("OpenAiSandbox", new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });
        var worker = new Dictionary<string, string>(common)
        {
            ["MM_Graph__BaseAddress"] = Sandbox.BaseAddress.ToString().TrimEnd('/'),
            ["MM_Graph__TimeoutSeconds"] = "2",
            // A killed Worker's rows are taken over when their lease ends: the shortest lease the start rule allows
            // (Graph timeout 2 s + pacing hold 5 s + 4 s), so the test does not wait the default 30 s.
            ["MM_Outbox__LeaseSeconds"] = "12",
            ["MM_Outbox__ConfirmationWindowSeconds"] = "20",
            // The same for campaigns, bots and AI agents: short leases (each above its start rule's floor) and a short
            // in-doubt window, and the AI and bot loops polling fast.
            ["MM_Mass__LeaseSeconds"] = "8",
            ["MM_Mass__ConfirmationWindowSeconds"] = "20",
            ["MM_Bots__PollIntervalMs"] = "100",
            ["MM_Bots__LeaseSeconds"] = "3",
            ["MM_Ai__PollIntervalMs"] = "100",
            ["MM_Ai__LeaseSeconds"] = "10",
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

    private const string MessengerPage = "1000000000001";
    private const string InstagramAccount = "17841400000000001";

    private Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what) =>
        Calls.EventuallyAsync(read, done, what, platform.Diagnostics, 90);

    private static async Task<long> AccountIdAsync(HttpClient admin, long projectId, string externalId)
    {
        var name = DemoSeeder.Accounts.Single(a => a.ExternalId == externalId).Name;
        return (await OkAsync(admin.GetAsync($"/projects/{projectId}/accounts"))).EnumerateArray()
            .Single(a => a.GetProperty("name").GetString() == name).GetProperty("id").GetInt64();
    }

    /// <summary>
    /// The rest of "several instances of everything": campaign, chatbot and AI-agent work shared by the Workers with no
    /// double sends. Configured through the Core APIs' proxy as the console does; while a campaign sends, Messenger
    /// customers start a bot flow and Instagram customers talk to an AI agent, and one running Worker is SIGKILLed:
    /// Meta gets exactly one template per recipient, each bot customer exactly the flow's two messages and each AI
    /// customer exactly one answer (the killed Worker's leases are taken over, its sends in doubt settled by Meta's
    /// statuses or re-sent after the confirmation window, never blindly).
    /// </summary>
    [Fact]
    public async Task Campaign_bot_and_AI_work_is_shared_by_the_Workers_and_one_killed_mid_way_sends_nothing_twice()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var p = platform.ProjectId;
        using var meta = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        using var openAi = new HttpClient { BaseAddress = platform.OpenAi.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        var (admin, _) = await platform.SignInAsync(platform.CoreProxy.Address, "admin@demo.local");
        var (supervisor, _) = await platform.SignInAsync(platform.CoreProxy.Address, "supervisor@demo.local");

        // A bot on the Messenger page: a keyword starts two messages (a greeting, then a menu that waits).
        var flow = await OkAsync(admin.PostAsJsonAsync($"/projects/{p}/bots/flows", new
        {
            name = "Escala " + run,
            definition = new
            {
                start = "welcome", channels = new[] { "messenger" }, expiryMinutes = 60, timeoutMessage = "B: cerrado.",
                nodes = new object[]
                {
                    new { id = "welcome", type = "message", text = "B: hola", next = "menu", x = 0, y = 0 },
                    new
                    {
                        id = "menu", type = "choice", text = "B: ¿qué necesitas?", style = "buttons", saveAs = "topic", retries = 1,
                        invalidMessage = "B: elige una opción.", fallback = "handoff", x = 0, y = 120,
                        choices = new object[] { new { id = "person", title = "Una persona", next = "handoff" } },
                    },
                    new { id = "handoff", type = "handoff", text = "B: te paso con una persona.", x = 0, y = 240 },
                },
            },
        }));
        var flowId = flow.GetProperty("id").GetInt64();
        await OkAsync(admin.PostAsync($"/projects/{p}/bots/flows/{flowId}/publish", null));
        await OkAsync(admin.PostAsJsonAsync($"/projects/{p}/bots/activations", new
        {
            flowId, accountId = await AccountIdAsync(admin, p, MessengerPage), entry = "keyword", keywords = new[] { "escala" + run }, enabled = true,
        }));

        // An AI agent on Instagram, its model played by the OpenAI sandbox for this run only.
        var scope = "scale-" + run;
        (await openAi.PostAsJsonAsync("/sandbox/rules", new
        {
            scope, match = new { last_user_contains = new[] { "hola" } },
            respond = new { json = new { action = "reply", messages = new[] { "IA: ¡hola! ¿en qué te ayudo?" }, confidence = 0.9 } },
        })).EnsureSuccessStatusCode();
        await OkAsync(admin.PutAsJsonAsync($"/projects/{p}/ai/provider", new
        {
            baseUrl = new Uri(platform.OpenAi.BaseAddress, "v1").ToString(), apiKey = "sk-sandbox", chatModel = "gpt-4.1-mini",
            prices = new Dictionary<string, object> { ["gpt-4.1-mini"] = new { input = 0.4, output = 1.6 } },
        }));
        var agent = await OkAsync(admin.PostAsJsonAsync($"/projects/{p}/ai/agents", new
        {
            name = "Vera " + run,
            definition = new
            {
                persona = new { name = "Vera", instructions = "You greet the demo store's customers. " + scope, tone = "friendly", languages = new[] { "es" } },
                measures = Array.Empty<object>(),
                tools = new { builtin = Array.Empty<string>(), custom = Array.Empty<object>() },
                handoff = new { queueId = (long?)null, rules = Array.Empty<object>() },
                debounceSeconds = 1, maxTurns = 12, temperature = 0.2,
            },
        }));
        var agentId = agent.GetProperty("id").GetInt64();
        await OkAsync(admin.PostAsync($"/projects/{p}/ai/agents/{agentId}/publish", null));
        await OkAsync(admin.PostAsJsonAsync($"/projects/{p}/ai/activations", new
        {
            agentId, accountId = await AccountIdAsync(admin, p, InstagramAccount), hours = "always", first = "bot", enabled = true,
        }));

        // A campaign of 150 recipients at 25/s (about 6 s of sends) on an approved marketing template.
        var template = await OkAsync(supervisor.PostAsJsonAsync($"/projects/{p}/templates", new
        {
            accountId = 1, name = "escala_" + run, language = "es", category = "MARKETING",
            body = new { text = "Hola {{1}}, novedades de la tienda.", examples = new Dictionary<string, string> { ["1"] = "Ana" } },
        }));
        var templateId = template.GetProperty("id").GetInt64();
        await EventuallyAsync(() => supervisor.GetFromJsonAsync<JsonElement>($"/projects/{p}/templates/{templateId}"),
            t => t.GetProperty("status").GetString() == "APPROVED", "the template is approved");
        var campaignId = (await OkAsync(supervisor.PostAsJsonAsync($"/projects/{p}/campaigns",
            new { name = "Escala " + run, accountId = 1, templateId, ratePerSecond = 25 }))).GetProperty("id").GetInt64();
        var digits = Random.Shared.Next(10_000, 99_999);
        var csv = new System.Text.StringBuilder("phone,name,1\n");
        for (var i = 0; i < 150; i++) csv.Append($"+34 6{digits}{i:000},Cliente {i},Cliente {i}\n");
        var audience = await OkAsync(supervisor.PutAsync($"/projects/{p}/campaigns/{campaignId}/audience",
            new StringContent(csv.ToString(), System.Text.Encoding.UTF8, "text/csv")));
        Assert.Equal(150, audience.GetProperty("added").GetInt32());
        await OkAsync(supervisor.PostAsJsonAsync($"/projects/{p}/campaigns/{campaignId}/submit", new { }));
        await OkAsync(admin.PostAsJsonAsync($"/projects/{p}/campaigns/{campaignId}/approve", new { note = "ok" }));
        await OkAsync(supervisor.PostAsJsonAsync($"/projects/{p}/campaigns/{campaignId}/schedule", new { }));

        // While it sends: 10 Messenger customers start the bot, 10 Instagram customers greet the agent; a Worker dies.
        var botCustomers = Enumerable.Range(0, 10).Select(i => $"scale-psid-{run}-{i}").ToArray();
        var aiCustomers = Enumerable.Range(0, 10).Select(i => $"scale-igsid-{run}-{i}").ToArray();
        for (var i = 0; i < 10; i++)
        {
            (await meta.PostAsJsonAsync($"/sandbox/pages/{MessengerPage}/messages", new { psid = botCustomers[i], text = "escala" + run })).EnsureSuccessStatusCode();
            (await meta.PostAsJsonAsync($"/sandbox/pages/{InstagramAccount}/messages", new { psid = aiCustomers[i], text = "hola" })).EnsureSuccessStatusCode();
            if (i == 4) await platform.Workers.First(w => !w.HasExited).KillAsync();
            await Task.Delay(150);
        }
        Assert.True(platform.Workers.Count(w => !w.HasExited) >= 1);

        // Every recipient sent (and answered by Meta), each exactly once.
        await EventuallyAsync(async () => (await supervisor.GetFromJsonAsync<JsonElement[]>($"/projects/{p}/campaigns/{campaignId}/recipients?limit=500"))!,
            rs => rs.Length == 150 && rs.All(r => r.GetProperty("status").GetString() is "sent" or "delivered" or "read"), "every recipient sent");
        var templates = (await meta.GetFromJsonAsync<JsonElement>("/sandbox/sent?type=template&limit=1000")).GetProperty("items").EnumerateArray()
            .Where(s => s.GetProperty("template_name").GetString() == "escala_" + run).Select(s => s.GetProperty("to").GetString()!).ToArray();
        Assert.Equal(150, templates.Length);
        Assert.Equal(150, templates.Distinct().Count());

        // Every bot customer got the flow's two messages and every AI customer one answer; then, past the leases and
        // the in-doubt window of anything the dead Worker held, still exactly that (nothing sent twice).
        try
        {
            foreach (var c in botCustomers)
                await EventuallyAsync(() => SentToAsync(meta, c), t => t.Length >= 2, "the bot's two messages to " + c);
        }
        catch (TimeoutException ex)
        {
            await using var db = new NpgsqlConnection(platform.ConnectionString);
            var rows = await db.QueryAsync<string>("""
                select 's ' || to_jsonb(s)::text from bot.flow_sessions s
                union all select 'm ' || m.direction || ' ' || m.status || ' ' || coalesce(m.body, '') || ' ' || c.external_id
                from chat.messages m join chat.conversations v on v.id = m.conversation_id join chat.contacts c on c.id = v.contact_id
                where c.external_id like 'scale-psid-%'
                """);
            throw new TimeoutException(ex.Message[..Math.Min(200, ex.Message.Length)] + "\n" + string.Join("\n", rows), ex);
        }
        foreach (var c in aiCustomers)
            await EventuallyAsync(() => SentToAsync(meta, c), t => t.Length >= 1, "the agent's answer to " + c);
        await Task.Delay(TimeSpan.FromSeconds(12));
        foreach (var c in botCustomers) Assert.Equal(["B: hola", "B: ¿qué necesitas?"], (await SentToAsync(meta, c)).Order(StringComparer.Ordinal).ToArray());
        foreach (var c in aiCustomers) Assert.Equal(["IA: ¡hola! ¿en qué te ayudo?"], await SentToAsync(meta, c));
    }
}
