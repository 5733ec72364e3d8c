using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>
/// Queue visibility everywhere inside a project: an agent who is not in a queue reaches nothing of its conversations
/// through the side doors (the customer's history, the contact picker, consent, the customer's language, initiation,
/// internal-chat cards, search). Every refusal has its positive control: the supervisor (every queue) or the same agent
/// on a customer of her own queue.
/// </summary>
public sealed class QueueVisibilityTests(CoreHost host) : IClassFixture<CoreHost>
{
    private static int _customer;
    private const string Agent = "agent@demo.local";
    private const string Supervisor = "supervisor@demo.local";

    /// <summary>A queue nobody of the demo project is in: the supervisor sees it (every queue), the agent does not.</summary>
    private Task<long> HiddenQueueAsync() => host.ScalarAsync<long>(
        "insert into core.queues (project_id, name) values (@DemoProjectId, 'Hidden ' || gen_random_uuid()) returning id", new { host.DemoProjectId });

    private Task<long> UsAccountAsync() => host.ScalarAsync<long>("select id from meta.accounts where external_id = '106540352242922'");

    private static string NewCustomer() => "3497" + Interlocked.Increment(ref _customer).ToString("D7");

    /// <summary>A customer writing on the demo number, in the given queue: the conversation and the contact.</summary>
    private async Task<(long Conversation, long Contact, string Customer)> CustomerAsync(long? queueId, string text = "hello")
    {
        var customer = NewCustomer();
        var conversation = await host.ConversationAsync(host.DemoAccountId, customer, text, queueId);
        return (conversation, await ContactOfAsync(conversation), customer);
    }

    private Task<long> ContactOfAsync(long conversation) =>
        host.ScalarAsync<long>("select contact_id from chat.conversations where id = @conversation", new { conversation });

    /// <summary>The same customer's conversation on another WhatsApp number of the project.</summary>
    private async Task<long> SecondConversationAsync(long contact, long queueId) => await host.ScalarAsync<long>("""
        insert into chat.conversations (project_id, account_id, contact_id, channel, queue_id, last_inbound_at, last_message_at,
                                        last_message_preview, last_message_direction, last_message_type)
        select project_id, @account, id, channel, @queueId, now(), now(), 'on the other number', 'in', 'text' from chat.contacts where id = @contact
        returning id
        """, new { contact, queueId, account = await UsAccountAsync() });

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    // ── Contact history ──────────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Agent_without_the_queue_cannot_read_contact_history_of_its_conversation()
    {
        var (general, contact, _) = await CustomerAsync(host.GeneralQueueId);
        var hidden = await SecondConversationAsync(contact, await HiddenQueueAsync());

        long[] HistoryOf(JsonElement context) =>
            context.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("conversationId").GetInt64()).Order().ToArray();
        var agent = await host.As(Agent);
        Assert.Equal([general], HistoryOf(await JsonAsync(await agent.GetAsync($"/conversations/{general}/context"))));
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"/conversations/{hidden}/context")).StatusCode);

        var supervisor = await host.As(Supervisor);
        Assert.Equal(new[] { general, hidden }.Order(), HistoryOf(await JsonAsync(await supervisor.GetAsync($"/conversations/{general}/context"))));
        Assert.Equal(new[] { general, hidden }.Order(), HistoryOf(await JsonAsync(await supervisor.GetAsync($"/conversations/{hidden}/context"))));
    }

    // ── Contact picker and the customer's language ───────────────────────────────────────────────────────────────

    [Fact]
    public async Task Agent_without_the_queue_does_not_find_its_customer_in_the_contact_picker()
    {
        var (_, hiddenContact, hiddenCustomer) = await CustomerAsync(await HiddenQueueAsync());
        var (_, ownContact, ownCustomer) = await CustomerAsync(host.GeneralQueueId);

        async Task<long[]> FindAsync(string email, string q) =>
            (await JsonAsync(await (await host.As(email)).GetAsync($"/projects/{host.DemoProjectId}/contacts?q={q}&limit=50")))
                .EnumerateArray().Select(c => c.GetProperty("id").GetInt64()).ToArray();
        Assert.Empty(await FindAsync(Agent, hiddenCustomer));
        Assert.DoesNotContain(hiddenContact, await FindAsync(Agent, ""));
        Assert.Equal([ownContact], await FindAsync(Agent, ownCustomer));
        Assert.Equal([hiddenContact], await FindAsync(Supervisor, hiddenCustomer));
    }

    [Fact]
    public async Task Agent_without_the_queue_cannot_read_or_set_its_customers_language()
    {
        var (_, contact, _) = await CustomerAsync(await HiddenQueueAsync());
        var url = $"/projects/{host.DemoProjectId}/contacts/{contact}/language";

        var agent = await host.As(Agent);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PutAsJsonAsync(url, new { language = "es" })).StatusCode);
        Assert.Null(await host.ScalarAsync<string?>("select language from chat.contacts where id = @contact", new { contact }));

        var supervisor = await host.As(Supervisor);
        Assert.Equal("pt_BR", (await JsonAsync(await supervisor.PutAsJsonAsync(url, new { language = "pt_BR" }))).GetProperty("language").GetString());
        Assert.Equal("pt_BR", (await JsonAsync(await supervisor.GetAsync(url))).GetProperty("language").GetString());
    }

    // ── Consent ──────────────────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Agent_without_the_queue_cannot_read_or_record_its_customers_consent()
    {
        var (_, hidden, _) = await CustomerAsync(await HiddenQueueAsync());
        var (_, own, _) = await CustomerAsync(host.GeneralQueueId);
        string Url(long contact) => $"/projects/{host.DemoProjectId}/contacts/{contact}/consent";
        var optIn = new { action = "opt_in", evidence = "Signed the form at the shop" };

        var agent = await host.As(Agent);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync(Url(hidden))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PutAsJsonAsync(Url(hidden), optIn)).StatusCode);
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from chat.consent_events where contact_id = @hidden", new { hidden }));

        // The same agent on her own queue's customer, and the supervisor on the hidden one.
        Assert.True((await JsonAsync(await agent.PutAsJsonAsync(Url(own), optIn))).GetProperty("state").GetProperty("optedIn").GetBoolean());
        var supervisor = await host.As(Supervisor);
        Assert.True((await JsonAsync(await supervisor.PutAsJsonAsync(Url(hidden), optIn))).GetProperty("state").GetProperty("optedIn").GetBoolean());
        Assert.Single((await JsonAsync(await supervisor.GetAsync(Url(hidden)))).GetProperty("history").EnumerateArray());
    }

    // ── Initiation ───────────────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Agent_without_the_queue_cannot_initiate_into_its_conversation()
    {
        var hiddenQueue = await HiddenQueueAsync();
        var (hiddenConversation, hidden, hiddenCustomer) = await CustomerAsync(hiddenQueue);
        // Her own customer, whose conversation on the other number sits in the hidden queue.
        var (_, shared, _) = await CustomerAsync(host.GeneralQueueId);
        await SecondConversationAsync(shared, hiddenQueue);
        var us = await UsAccountAsync();
        var preflight = $"/projects/{host.DemoProjectId}/initiations/preflight";
        var agent = await host.As(Agent);

        Assert.Equal(HttpStatusCode.NotFound, (await agent.PostAsJsonAsync(preflight, new { accountId = host.DemoAccountId, contactId = hidden })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PostAsJsonAsync(preflight, new { accountId = host.DemoAccountId, phone = "+" + hiddenCustomer })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PostAsJsonAsync(preflight, new { accountId = us, contactId = shared })).StatusCode);
        var messages = await host.ScalarAsync<long>("select count(*) from chat.messages");
        var send = await agent.PostAsJsonAsync($"/projects/{host.DemoProjectId}/initiations",
            new { accountId = host.DemoAccountId, contactId = hidden, templateId = 1, clientMessageId = "hidden-1" });
        Assert.Equal(HttpStatusCode.NotFound, send.StatusCode);
        Assert.Equal(messages, await host.ScalarAsync<long>("select count(*) from chat.messages"));

        // Positive controls: her customer on her own conversation's number, and the supervisor on the hidden ones,
        // whose pre-flight shows the hidden conversation's window.
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsJsonAsync(preflight, new { accountId = host.DemoAccountId, contactId = shared })).StatusCode);
        var supervisor = await host.As(Supervisor);
        var checks = await JsonAsync(await supervisor.PostAsJsonAsync(preflight, new { accountId = host.DemoAccountId, contactId = hidden }));
        Assert.Equal(hiddenConversation, checks.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "window")
            .GetProperty("detail").GetProperty("conversationId").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await supervisor.PostAsJsonAsync(preflight, new { accountId = us, contactId = shared })).StatusCode);
    }

    // ── Internal chat cards ──────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Agent_without_the_queue_reads_an_internal_chat_card_of_its_conversation_without_the_customer()
    {
        var (hidden, _, hiddenCustomer) = await CustomerAsync(await HiddenQueueAsync());
        var agentId = await host.ScalarAsync<long>("select id from core.users where email = @Agent", new { Agent });
        var rooms = $"/projects/{host.DemoProjectId}/internal/rooms";
        var supervisor = await host.As(Supervisor);
        var room = (await JsonAsync(await supervisor.PostAsJsonAsync(rooms, new { name = "Escalations", memberIds = new[] { agentId } })))
            .GetProperty("id").GetInt64();
        var posted = await JsonAsync(await supervisor.PostAsJsonAsync($"{rooms}/{room}/messages", new { text = "Look at this one", conversationId = hidden }));
        Assert.Equal("Customer " + hiddenCustomer, posted.GetProperty("cardContactName").GetString());

        var agentView = Assert.Single((await JsonAsync(await (await host.As(Agent)).GetAsync($"{rooms}/{room}/messages"))).EnumerateArray());
        Assert.Equal("Look at this one", agentView.GetProperty("body").GetString());
        Assert.Equal(JsonValueKind.Null, agentView.GetProperty("cardConversationId").ValueKind);
        Assert.Equal(JsonValueKind.Null, agentView.GetProperty("cardContactName").ValueKind);
        Assert.Equal(JsonValueKind.Null, agentView.GetProperty("cardChannel").ValueKind);

        var supervisorView = Assert.Single((await JsonAsync(await supervisor.GetAsync($"{rooms}/{room}/messages"))).EnumerateArray());
        Assert.Equal(hidden, supervisorView.GetProperty("cardConversationId").GetInt64());
        Assert.Equal("Customer " + hiddenCustomer, supervisorView.GetProperty("cardContactName").GetString());
    }

    [Fact]
    public async Task Agent_without_the_queue_cannot_share_its_conversation_in_internal_chat()
    {
        var (hidden, _, _) = await CustomerAsync(await HiddenQueueAsync());
        var (own, _, ownCustomer) = await CustomerAsync(host.GeneralQueueId);
        var supervisorId = await host.ScalarAsync<long>("select id from core.users where email = @Supervisor", new { Supervisor });
        var rooms = $"/projects/{host.DemoProjectId}/internal/rooms";
        var agent = await host.As(Agent);
        var room = (await JsonAsync(await agent.PostAsJsonAsync(rooms, new { name = "Shift", memberIds = new[] { supervisorId } }))).GetProperty("id").GetInt64();

        var refused = await agent.PostAsJsonAsync($"{rooms}/{room}/messages", new { text = "What about this?", conversationId = hidden });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("unknown_conversation", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from internal.messages where conversation_id = @hidden", new { hidden }));

        var shared = await JsonAsync(await agent.PostAsJsonAsync($"{rooms}/{room}/messages", new { text = "And this one?", conversationId = own }));
        Assert.Equal("Customer " + ownCustomer, shared.GetProperty("cardContactName").GetString());
    }

    // ── Search ───────────────────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Agent_without_the_queue_finds_nothing_of_its_conversation_in_search()
    {
        var (hidden, _, hiddenCustomer) = await CustomerAsync(await HiddenQueueAsync(), "the narwhal order is late");

        async Task<long[]> SearchAsync(string email, string q) =>
            (await JsonAsync(await (await host.As(email)).GetAsync($"/projects/{host.DemoProjectId}/search?q={q}")))
                .GetProperty("items").EnumerateArray().Select(h => h.GetProperty("conversationId").GetInt64()).Distinct().ToArray();
        Assert.Empty(await SearchAsync(Agent, "narwhal"));
        Assert.Empty(await SearchAsync(Agent, hiddenCustomer));
        Assert.Equal([hidden], await SearchAsync(Supervisor, "narwhal"));
        Assert.Equal([hidden], await SearchAsync(Supervisor, hiddenCustomer));
    }

    // ── One rule ─────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>The rule is written once in SQL (chat.sees) and applied to the cached grants by ProjectAccess.CanSee,
    /// which answers every lookup by conversation id: the two must draw the same line, role by role.</summary>
    [Fact]
    public async Task The_database_and_the_cached_grants_draw_the_same_line_around_a_queue()
    {
        var hiddenQueue = await HiddenQueueAsync();
        var agentId = await host.ScalarAsync<long>("select id from core.users where email = @Agent", new { Agent });
        var unrouted = (await CustomerAsync(null)).Conversation;
        var own = (await CustomerAsync(host.GeneralQueueId)).Conversation;
        var hidden = (await CustomerAsync(hiddenQueue)).Conversation;
        var hiddenButHers = (await CustomerAsync(hiddenQueue)).Conversation;
        await host.ScalarAsync<object?>("update chat.conversations set assigned_user_id = @agentId where id = @hiddenButHers", new { agentId, hiddenButHers });
        long[] conversations = [unrouted, own, hidden, hiddenButHers];

        var expected = new Dictionary<string, bool[]>
        {
            [Agent] = [true, true, false, true],
            [Supervisor] = [true, true, true, true],
            ["admin@demo.local"] = [true, true, true, true],
            ["dev@demo.local"] = [true, true, true, true],
        };
        foreach (var (email, sees) in expected)
        {
            var client = await host.As(email);
            var userId = await host.ScalarAsync<long>("select id from core.users where email = @email", new { email });
            for (var i = 0; i < conversations.Length; i++)
            {
                var api = (await client.GetAsync($"/conversations/{conversations[i]}/messages")).StatusCode;
                var database = await host.ScalarAsync<bool>("select chat.can_see(@userId, @conversation)", new { userId, conversation = conversations[i] });
                Assert.True(sees[i] == database, $"{email} on conversation #{i}: the database says {database}");
                Assert.Equal(sees[i] ? HttpStatusCode.OK : HttpStatusCode.NotFound, api);
            }
        }
    }
}
