using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using static MultichannelMessages.EndToEnd.Tests.Calls;

namespace MultichannelMessages.EndToEnd.Tests;

/// <summary>The platform's processes with the bot loop polling fast (a NOTIFY wakes it anyway; the poll ends timers).</summary>
public sealed class ChatbotPlatformProcesses : PlatformProcesses
{
    protected override Task<IReadOnlyDictionary<string, string>> WorkerSettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>
        {
            ["MM_Bots__PollIntervalMs"] = "100",
            ["MM_Bots__LeaseSeconds"] = "3",
        });
}

/// <summary>
/// Chatbot flows end to end through real processes: a flow written, published and activated through the Core API's
/// endpoints as the console does; customers writing through the Meta sandbox on WhatsApp (tapping reply buttons),
/// Messenger (quick replies) and Instagram (a keyword); a person typing mid-flow through the Core API; a session that
/// expires; the Worker killed mid-session and a new one answering each message exactly once; a legacy flow imported.
/// </summary>
public sealed class ChatbotEndToEndTests(ChatbotPlatformProcesses platform) : IClassFixture<ChatbotPlatformProcesses>
{
    private const string WhatsApp = "1122334455667";
    private const string Page = "1000000000001";
    private const string Instagram = "17841400000000001";

    private async Task EventuallyAsync(Func<Task<bool>> probe, string what)
    {
        var deadline = DateTime.UtcNow + Calls.Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe()) return;
            await Task.Delay(150);
        }
        throw new TimeoutException($"not within {Calls.Patience.TotalSeconds} s: {what}\n{platform.Diagnostics()}");
    }

    private static async Task<string[]> SentToAsync(HttpClient meta, string to) =>
        [.. (await meta.GetFromJsonAsync<JsonElement>($"/sandbox/sent?to={to}")).GetProperty("items").EnumerateArray()
            .OrderBy(i => i.GetProperty("sent_at").GetDateTimeOffset()).Select(i => i.GetProperty("text").GetString() ?? "")];

    private Task UntilSentAsync(HttpClient meta, string to, int count, string what) =>
        EventuallyAsync(async () => (await SentToAsync(meta, to)).Length >= count, what);

    private static object Menu(string prefix) => new
    {
        start = "welcome",
        channels = new[] { "whatsapp", "messenger", "instagram" },
        expiryMinutes = 240,
        timeoutMessage = prefix + ": chat cerrado por inactividad.",
        nodes = new object[]
        {
            new { id = "welcome", type = "message", text = prefix + ": hola {{contact.name}}", next = "menu", x = 0, y = 0 },
            new
            {
                id = "menu", type = "choice", text = prefix + ": ¿qué necesitas?", style = "buttons", saveAs = "topic", retries = 1,
                invalidMessage = prefix + ": elige una opción.", fallback = "handoff", x = 0, y = 120,
                choices = new object[]
                {
                    new { id = "orders", title = "Mi pedido", next = "ask_order" },
                    new { id = "person", title = "Una persona", next = "handoff" },
                },
            },
            new { id = "ask_order", type = "question", text = prefix + ": ¿número de pedido?", expect = "number", saveAs = "order", next = "done", fallback = "handoff", x = 0, y = 240 },
            new { id = "done", type = "end", text = prefix + ": anotado el {{order}}.", x = 0, y = 360 },
            new { id = "handoff", type = "handoff", text = prefix + ": te paso con una persona.", x = 200, y = 240 },
        },
    };

    /// <summary>Written, published and activated as an admin does it in the console.</summary>
    private async Task<long> FlowAsync(HttpClient admin, string name, object definition, params (string Account, string Entry, string[] Keywords)[] activations)
    {
        var p = platform.ProjectId;
        var created = await OkAsync(admin.PostAsJsonAsync($"/projects/{p}/bots/flows", new { name, definition }));
        var flowId = created.GetProperty("id").GetInt64();
        await OkAsync(admin.PostAsync($"/projects/{p}/bots/flows/{flowId}/publish", null));
        var accounts = await OkAsync(admin.GetAsync($"/projects/{p}/accounts"));
        foreach (var (account, entry, keywords) in activations)
        {
            var accountName = MultichannelMessages.Migrator.DemoSeeder.Accounts.Single(a => a.ExternalId == account).Name;
            var accountId = accounts.EnumerateArray().Single(a => a.GetProperty("name").GetString() == accountName).GetProperty("id").GetInt64();
            await OkAsync(admin.PostAsJsonAsync($"/projects/{p}/bots/activations", new { flowId, accountId, entry, keywords, enabled = true }));
        }
        return flowId;
    }

    private async Task ExecuteAsync(string sql, object args)
    {
        await using var connection = new NpgsqlConnection(platform.ConnectionString);
        await Dapper.SqlMapper.ExecuteAsync(connection, sql, args);
    }

    private static async Task WhatsAppWritesAsync(HttpClient meta, string from, object message) =>
        (await meta.PostAsJsonAsync($"/sandbox/customers/{WhatsApp}/messages", message)).EnsureSuccessStatusCode();

    [Fact]
    public async Task Flows_run_on_WhatsApp_Messenger_and_Instagram_a_person_stops_one_and_an_idle_one_expires()
    {
        using var meta = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress };
        var (admin, _) = await platform.SignInAsync("admin@demo.local");
        var (agent, _) = await platform.SignInAsync("agent@demo.local");
        await FlowAsync(admin, "E2E menu", Menu("M"), (WhatsApp, "new_conversation", []), (Page, "new_conversation", []), (Instagram, "keyword", ["menú"]));

        // WhatsApp: the menu's reply buttons, a tapped button, an answer.
        const string nerea = "34699200001";
        await WhatsAppWritesAsync(meta, nerea, new { from = nerea, name = "Nerea", text = "Hola" });
        await UntilSentAsync(meta, nerea, 2, "the WhatsApp menu");
        await WhatsAppWritesAsync(meta, nerea, new { from = nerea, name = "Nerea", type = "interactive", button_reply_id = "orders", text = "Mi pedido" });
        await UntilSentAsync(meta, nerea, 3, "the question after the tapped button");
        await WhatsAppWritesAsync(meta, nerea, new { from = nerea, name = "Nerea", text = "4521" });
        await UntilSentAsync(meta, nerea, 4, "the end");
        Assert.Equal(["M: hola Nerea", "M: ¿qué necesitas?", "M: ¿número de pedido?", "M: anotado el 4521."], await SentToAsync(meta, nerea));

        // Messenger: a tapped quick reply. Instagram: only a keyword starts it.
        (await meta.PostAsJsonAsync($"/sandbox/pages/{Page}/messages", new { psid = "e2e-psid-1", text = "hi" })).EnsureSuccessStatusCode();
        await UntilSentAsync(meta, "e2e-psid-1", 2, "the Messenger menu");
        (await meta.PostAsJsonAsync($"/sandbox/pages/{Page}/messages", new { psid = "e2e-psid-1", text = "Una persona", quick_reply_payload = "person" })).EnsureSuccessStatusCode();
        await UntilSentAsync(meta, "e2e-psid-1", 3, "the Messenger handoff");
        Assert.Equal("M: te paso con una persona.", (await SentToAsync(meta, "e2e-psid-1"))[2]);
        (await meta.PostAsJsonAsync($"/sandbox/pages/{Instagram}/messages", new { psid = "e2e-igsid-1", text = "hola" })).EnsureSuccessStatusCode();
        (await meta.PostAsJsonAsync($"/sandbox/pages/{Instagram}/messages", new { psid = "e2e-igsid-2", text = "quiero ver el MENU" })).EnsureSuccessStatusCode();
        await UntilSentAsync(meta, "e2e-igsid-2", 2, "the keyword starts the Instagram flow");
        Assert.Empty(await SentToAsync(meta, "e2e-igsid-1"));

        // A person types mid-flow through the Core API: the bot stops at once; the customer's next message is the person's.
        const string iker = "34699200002", control = "34699200003";
        await WhatsAppWritesAsync(meta, iker, new { from = iker, name = "Iker", text = "Hola" });
        await UntilSentAsync(meta, iker, 2, "Iker's menu");
        long conversationId;
        await using (var connection = new NpgsqlConnection(platform.ConnectionString))
            conversationId = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection,
                "select c.id from chat.conversations c join chat.contacts ct on ct.id = c.contact_id where ct.external_id = @iker", new { iker });
        await OkAsync(agent.PostAsJsonAsync($"/conversations/{conversationId}/messages", new { text = "Hola Iker, soy Ana.", clientMessageId = Guid.NewGuid().ToString() }));
        var bot = await OkAsync(agent.GetAsync($"/projects/{platform.ProjectId}/conversations/{conversationId}/bot"));
        Assert.Equal(("off", "person_replied", "Ana Agent"), (bot.GetProperty("status").GetString(), bot.GetProperty("reason").GetString(), bot.GetProperty("changedByName").GetString()));
        await WhatsAppWritesAsync(meta, control, new { from = control, name = "Leire", text = "Hola" });
        await UntilSentAsync(meta, control, 2, "the control customer's menu");
        await WhatsAppWritesAsync(meta, iker, new { from = iker, name = "Iker", text = "1" });
        await WhatsAppWritesAsync(meta, control, new { from = control, name = "Leire", text = "1" });
        await UntilSentAsync(meta, control, 3, "the control customer is answered");
        await Task.Delay(500);
        Assert.Equal(["M: hola Iker", "M: ¿qué necesitas?", "Hola Iker, soy Ana."], await SentToAsync(meta, iker));

        // The control's session expires (the clock moved past its 4 h): the timeout message, once.
        await ExecuteAsync("""
            update bot.flow_sessions s set expires_at = now() - interval '1 second', due_at = now()
            from chat.conversations c join chat.contacts ct on ct.id = c.contact_id
            where c.id = s.conversation_id and ct.external_id = @control and s.status = 'active'
            """, new { control });
        await UntilSentAsync(meta, control, 4, "the timeout message");
        await Task.Delay(500);
        Assert.Equal("M: chat cerrado por inactividad.", (await SentToAsync(meta, control))[3]);
        Assert.Equal(4, (await SentToAsync(meta, control)).Length);
    }

    [Fact]
    public async Task A_Worker_killed_mid_session_leaves_nothing_lost_and_nothing_doubled()
    {
        using var meta = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress };
        var (admin, _) = await platform.SignInAsync("admin@demo.local");
        await FlowAsync(admin, "E2E restart", Menu("R"), (WhatsApp, "keyword", ["reinicio"]));
        string[] customers = ["34699300001", "34699300002", "34699300003"];
        foreach (var c in customers) await WhatsAppWritesAsync(meta, c, new { from = c, name = "Cliente", text = "reinicio" });
        foreach (var c in customers) await UntilSentAsync(meta, c, 2, "the menu for " + c);

        await platform.KillAndRestartWorkerAsync(async () =>
        {
            // The customers answer while no Worker runs: the answers are kept (the Webhook API ingests them).
            foreach (var c in customers) await WhatsAppWritesAsync(meta, c, new { from = c, name = "Cliente", type = "interactive", button_reply_id = "orders", text = "Mi pedido" });
            await Task.Delay(1_000);
        });
        foreach (var c in customers) await UntilSentAsync(meta, c, 3, "the question after the restart for " + c);
        await Task.Delay(1_000);
        foreach (var c in customers)
            Assert.Equal(["R: hola Cliente", "R: ¿qué necesitas?", "R: ¿número de pedido?"], await SentToAsync(meta, c));
    }
    [Fact]
    public async Task An_imported_legacy_flow_runs_for_Messenger_customers_with_its_legacy_texts_and_validation()
    {
        using var meta = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress };
        var (admin, _) = await platform.SignInAsync("admin@demo.local");
        var p = platform.ProjectId;
        var export = await File.ReadAllTextAsync(Path.Combine(MultichannelMessages.TestSupport.PostgresServer.RepoRoot(),
            "tests", "fixtures", "legacy-flows", "export-2026-11.json"));
        var report = await OkAsync(admin.PostAsync($"/projects/{p}/bots/import",
            new StringContent(export, System.Text.Encoding.UTF8, "application/json")));
        var newsletter = report.GetProperty("flows").EnumerateArray().Single(f => f.GetProperty("legacyId").GetString() == "LEG-13");
        Assert.True(newsletter.GetProperty("published").GetBoolean());
        // Imported twice: nothing changes.
        var again = await OkAsync(admin.PostAsync($"/projects/{p}/bots/import", new StringContent(export, System.Text.Encoding.UTF8, "application/json")));
        Assert.All(again.GetProperty("flows").EnumerateArray(), f => Assert.Equal("unchanged", f.GetProperty("outcome").GetString()));

        var flowId = newsletter.GetProperty("flowId").GetInt64();
        var accounts = await OkAsync(admin.GetAsync($"/projects/{p}/accounts"));
        var accountId = accounts.EnumerateArray().Single(a => a.GetProperty("name").GetString() == "Demo Facebook page").GetProperty("id").GetInt64();
        await OkAsync(admin.PostAsJsonAsync($"/projects/{p}/bots/activations", new { flowId, accountId, entry = "keyword", keywords = new[] { "newsletter" }, enabled = true }));

        (await meta.PostAsJsonAsync($"/sandbox/pages/{Page}/messages", new { psid = "e2e-psid-legacy", text = "newsletter please" })).EnsureSuccessStatusCode();
        await UntilSentAsync(meta, "e2e-psid-legacy", 2, "the legacy greeting and question");
        (await meta.PostAsJsonAsync($"/sandbox/pages/{Page}/messages", new { psid = "e2e-psid-legacy", text = "not an address" })).EnsureSuccessStatusCode();
        await UntilSentAsync(meta, "e2e-psid-legacy", 3, "the legacy invalid-answer text");
        (await meta.PostAsJsonAsync($"/sandbox/pages/{Page}/messages", new { psid = "e2e-psid-legacy", text = "ana@example.com" })).EnsureSuccessStatusCode();
        await UntilSentAsync(meta, "e2e-psid-legacy", 4, "the legacy closing text");
        var sent = await SentToAsync(meta, "e2e-psid-legacy");
        Assert.Equal("What is your e-mail address?", sent[1]);
        Assert.Equal("That doesn't look like an e-mail address. Try again?", sent[2]);
        Assert.StartsWith("Thanks! ana@example.com is subscribed.", sent[3]);
    }
}
