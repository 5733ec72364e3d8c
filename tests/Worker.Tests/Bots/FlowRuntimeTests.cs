using System.Text.Json;
using MultichannelMessages.Worker.Bots;
using MultichannelMessages.Worker.Tests.Support;
using MultichannelMessages.TestSupport;

namespace MultichannelMessages.Worker.Tests.Bots;

/// <summary>
/// Chatbot flows through a real Worker: customer messages are written as ingestion writes them and handed to
/// bot.flow_on_messages as the Webhook API's batch does; the bot's replies go through the outbox to the Meta sandbox,
/// which refuses what Meta refuses (more than 3 reply buttons, a title over 20 characters).
/// </summary>
public sealed class FlowRuntimeTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const string Instagram = "17841400000000001";

    private sealed record Setup(WorkerDatabase Db, SandboxHost Meta, List<WorkerHost> Workers, long FlowId) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var w in Workers) await w.DisposeAsync();
            await Meta.DisposeAsync();
        }
    }

    /// <summary>The demo menu: welcome → choice (3 buttons) → question (6 digits) → end; "person" → handoff.</summary>
    private static object MenuFlow(int expiryMinutes = 240, string? timeoutMessage = null, int maxMessagesPerMinute = 12) => new
    {
        start = "welcome",
        channels = new[] { "whatsapp", "messenger", "instagram" },
        expiryMinutes,
        timeoutMessage,
        maxMessagesPerMinute,
        nodes = new object[]
        {
            new { id = "welcome", type = "message", text = "Hola {{contact.name}}", next = "menu" },
            new
            {
                id = "menu", type = "choice", text = "¿En qué te ayudo?", style = "buttons", saveAs = "topic", retries = 1,
                invalidMessage = "Elige una opción.", fallback = "handoff",
                choices = new object[]
                {
                    new { id = "orders", title = "Mi pedido", next = "ask_order", keywords = new[] { "pedido" } },
                    new { id = "person", title = "Una persona", next = "handoff" },
                },
            },
            new { id = "ask_order", type = "question", text = "¿Tu número de pedido?", expect = "pattern", pattern = "^[0-9]{6}$", saveAs = "order", next = "thanks", fallback = "handoff" },
            new { id = "thanks", type = "end", text = "Gracias, pedido {{order}}." },
            new { id = "handoff", type = "handoff", text = "Te paso con una persona." },
        },
    };

    private static async Task<Setup> StartAsync(string label, object flow, int workers = 1, string entry = "new_conversation", string[]? keywords = null,
        string account = WorkerDatabase.WhatsApp)
    {
        var db = await WorkerDatabase.CreateAsync(label);
        var meta = await SandboxHost.StartInMemoryAsync();
        var definition = JsonSerializer.Serialize(flow, Json);
        var flowId = await db.ScalarAsync<long>("insert into bot.flows (project_id, name, draft) values (@project, 'Menu', @definition::jsonb) returning id",
            new { project = db.ProjectId, definition });
        await db.ExecuteAsync("""
            insert into bot.flow_versions (project_id, flow_id, version, definition) values (@project, @flowId, 1, @definition::jsonb);
            update bot.flows set published_version_id = (select max(id) from bot.flow_versions where flow_id = @flowId) where id = @flowId;
            """, new { project = db.ProjectId, flowId, definition });
        await ActivateAsync(db, flowId, account, entry, keywords);
        var hosts = Enumerable.Range(0, workers).Select(_ => WorkerHost.Start(db, meta, ("Bots:PollIntervalMs", "100"), ("Ai:Enabled", "false"))).ToList();
        return new Setup(db, meta, hosts, flowId);
    }

    private static Task ActivateAsync(WorkerDatabase db, long flowId, string account, string entry, string[]? keywords = null) => db.ExecuteAsync("""
        insert into bot.flow_activations (project_id, flow_id, account_id, entry, keywords, keywords_folded)
        select @project, @flowId, id, @entry, @keywords, array(select lower(public.unaccent(k)) from unnest(@keywords) k)
        from meta.accounts where external_id = @account
        """, new { project = db.ProjectId, flowId, account, entry, keywords = keywords ?? [] });

    /// <summary>A customer's message as ingestion writes it, then the batch's hook (a new conversation is "new").</summary>
    private static async Task<long> CustomerWritesAsync(WorkerDatabase db, string from, string? text, string account = WorkerDatabase.WhatsApp,
        string type = "text", object? payload = null)
    {
        var row = await db.QueryAsync<(long ConversationId, long MessageId, bool Created)>("""
            with a as (select id, project_id, channel from meta.accounts where external_id = @account),
                 c as (insert into chat.contacts (project_id, channel, external_id, phone, display_name, language)
                       select a.project_id, a.channel, @from, @from, 'Lucía', 'es' from a
                       on conflict (project_id, channel, external_id) do update set updated_at = now() returning id),
                 cv as (insert into chat.conversations (project_id, account_id, contact_id, channel, last_inbound_at)
                        select a.project_id, a.id, c.id, a.channel, now() from a, c
                        on conflict (account_id, contact_id) do update set last_inbound_at = now(), status = 'open'
                        returning id, project_id, account_id, (xmax = 0) as created),
                 m as (insert into chat.messages (project_id, conversation_id, account_id, direction, provider_message_id, type, body, payload,
                                                  status, status_rank, occurred_at)
                       select cv.project_id, cv.id, cv.account_id, 'in', 'wamid.in.' || gen_random_uuid(), @type, @text, @payload::jsonb,
                              'received', chat.status_rank('received'), now()
                       from cv returning id, conversation_id)
            select m.conversation_id, m.id, cv.created from m, cv
            """, new { account, from, text, type, payload = payload is null ? null : JsonSerializer.Serialize(payload) });
        var (conversationId, messageId, created) = row.Single();
        await db.ExecuteAsync("select bot.flow_on_messages(array[@messageId]::bigint[], case when @created then array[@conversationId]::bigint[] end)",
            new { messageId, conversationId, created });
        return conversationId;
    }

    private static object ButtonReply(string id, string title) => new { interactive = new { type = "button_reply", button_reply = new { id, title } } };

    private static async Task<List<SandboxHost.SentItem>> SentToAsync(Setup s, string to) =>
        (await s.Meta.SentAsync()).Where(x => x.To == to).OrderBy(x => x.SentAt).ToList();

    private static async Task WaitSentAsync(Setup s, string to, int count, string because)
    {
        try { await Eventually.TrueAsync(async () => (await SentToAsync(s, to)).Count >= count, TimeSpan.FromSeconds(20), because); }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var rows = await s.Db.QueryAsync<string>("""
                select format('session %s %s:%s node=%s phase=%s due=%s locked=%s attempts=%s error=%s', id, status, reason, node_id, phase,
                              due_at, locked_by, attempt_count, last_error) from bot.flow_sessions
                union all select format('outbox %s %s %s', m.id, m.status, m.body) from chat.messages m where m.direction = 'out'
                """);
            var sent = string.Join(" | ", (await s.Meta.SentAsync()).Select(x => x.To + ":" + x.Type + ":" + x.Text));
            throw new Xunit.Sdk.XunitException(ex.Message + "\n" + string.Join("\n", rows) + "\nsent: " + sent);
        }
    }

    private static Task<string> SessionAsync(Setup s, long conversationId) => s.Db.ScalarAsync<string>(
        "select status || ':' || coalesce(reason, '') || ':' || coalesce(node_id, '') from bot.flow_sessions where conversation_id = @conversationId order by id desc limit 1",
        new { conversationId });

    [Fact]
    public async Task A_new_WhatsApp_conversation_runs_the_menu_a_tapped_button_and_a_validated_answer_each_answered_once()
    {
        await using var s = await StartAsync("flow_menu", MenuFlow());
        var conversation = await CustomerWritesAsync(s.Db, "34611000001", "hola");
        await WaitSentAsync(s, "34611000001", 2, "the welcome and the menu are sent");
        var sent = await SentToAsync(s, "34611000001");
        Assert.Equal(["text", "interactive"], sent.Select(x => x.Type));
        Assert.Equal("Hola Lucía", sent[0].Text);
        Assert.Equal("¿En qué te ayudo?", sent[1].Text);

        await CustomerWritesAsync(s.Db, "34611000001", "Mi pedido", payload: ButtonReply("orders", "Mi pedido"));
        await WaitSentAsync(s, "34611000001", 3, "the question follows the tapped button");
        await CustomerWritesAsync(s.Db, "34611000001", "12345");
        await WaitSentAsync(s, "34611000001", 4, "an invalid answer is told so");
        await CustomerWritesAsync(s.Db, "34611000001", "123456");
        await WaitSentAsync(s, "34611000001", 5, "the end message");
        await Eventually.TrueAsync(async () => (await SessionAsync(s, conversation)).StartsWith("completed", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the session completes");

        sent = await SentToAsync(s, "34611000001");
        Assert.Equal(["Hola Lucía", "¿En qué te ayudo?", "¿Tu número de pedido?", "No entendí tu respuesta. ¿Tu número de pedido?", "Gracias, pedido 123456."],
            sent.Select(x => x.Text));
        Assert.Equal(5, await s.Db.ScalarAsync<long>("select count(*) from chat.messages where conversation_id = @conversation and sent_by_flow_id = @flow",
            new { conversation, flow = s.FlowId }));
        Assert.Equal(4, await s.Db.ScalarAsync<long>("select count(*) from bot.flow_steps st join bot.flow_sessions fs on fs.id = st.session_id where fs.conversation_id = @conversation",
            new { conversation }));
        Assert.Equal("{\"order\": \"123456\", \"topic\": \"orders\"}", await s.Db.ScalarAsync<string>(
            "select variables::text from bot.flow_sessions where conversation_id = @conversation", new { conversation }));
    }

    [Fact]
    public async Task A_person_sending_mid_flow_stops_the_bot_at_once_and_a_supervisor_can_hand_it_back()
    {
        await using var s = await StartAsync("flow_person", MenuFlow());
        var stopped = await CustomerWritesAsync(s.Db, "34611000002", "hola");
        var control = await CustomerWritesAsync(s.Db, "34611000003", "hola");
        await WaitSentAsync(s, "34611000002", 2, "the menu reaches the first customer");
        await WaitSentAsync(s, "34611000003", 2, "the menu reaches the second customer");

        var person = await s.Db.ScalarAsync<long>("insert into core.users (email, display_name, password_hash) values ('marta@demo.local', 'Marta', 'x') returning id");
        await s.Db.ExecuteAsync("select chat.queue_outbound(@stopped, @person, 'person-1', 'text', 'Hola, soy Marta')", new { stopped, person });
        Assert.Equal("off:person_replied:menu", await SessionAsync(s, stopped));
        Assert.Equal(person, await s.Db.ScalarAsync<long>("select changed_by from bot.flow_sessions where conversation_id = @stopped", new { stopped }));

        await CustomerWritesAsync(s.Db, "34611000002", "1");
        await CustomerWritesAsync(s.Db, "34611000003", "1");
        // Positive control first: the bot still answers the other conversation, so the Worker has had its chance.
        await WaitSentAsync(s, "34611000003", 3, "the bot answers where no person wrote");
        await WaitSentAsync(s, "34611000002", 3, "the person's own message goes out");
        await Task.Delay(500);
        var toStopped = await SentToAsync(s, "34611000002");
        Assert.Equal(["Hola Lucía", "¿En qué te ayudo?", "Hola, soy Marta"], toStopped.Select(x => x.Text));

        // A supervisor hands it back: the bot re-asks where it stopped, and answers from there.
        Assert.Null((await s.Db.QueryAsync<string?>("select refusal from bot.set_conversation_bot(@stopped, 'active', @person)", new { stopped, person })).Single());
        await WaitSentAsync(s, "34611000002", 4, "the bot re-asks its question");
        Assert.Equal("¿En qué te ayudo?", (await SentToAsync(s, "34611000002"))[3].Text);
        await CustomerWritesAsync(s.Db, "34611000002", "una persona");
        await WaitSentAsync(s, "34611000002", 5, "the choice is answered after the hand-back");
        Assert.Equal("Te paso con una persona.", (await SentToAsync(s, "34611000002"))[4].Text);
        await Eventually.TrueAsync(async () => (await SessionAsync(s, stopped)).StartsWith("handed_off:flow_handoff", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the session ends handed off");
    }

    [Fact]
    public async Task Taking_the_lock_or_assigning_oneself_also_stops_the_bot_with_the_reason()
    {
        await using var s = await StartAsync("flow_lock", MenuFlow());
        var locked = await CustomerWritesAsync(s.Db, "34611000004", "hola");
        var assigned = await CustomerWritesAsync(s.Db, "34611000005", "hola");
        await WaitSentAsync(s, "34611000004", 2, "menu 1");
        await WaitSentAsync(s, "34611000005", 2, "menu 2");
        var person = await s.Db.ScalarAsync<long>("insert into core.users (email, display_name, password_hash) values ('luis@demo.local', 'Luis', 'x') returning id");
        await s.Db.ExecuteAsync("insert into core.project_members (project_id, user_id, role) values (@project, @person, 'agent')", new { project = s.Db.ProjectId, person });
        await s.Db.ExecuteAsync("select * from chat.take_lock(@locked, @person)", new { locked, person });
        await s.Db.ExecuteAsync("select chat.assign(@assigned, @person, @person)", new { assigned, person });
        Assert.Equal("off:person_took_lock:menu", await SessionAsync(s, locked));
        Assert.Equal("off:person_assigned:menu", await SessionAsync(s, assigned));
        Assert.Equal(2, await s.Db.ScalarAsync<long>("select count(*) from ops.change_feed where kind = 'bot_changed' and payload ->> 'status' = 'off'"));
    }

    [Fact]
    public async Task Messenger_and_Instagram_get_quick_replies_and_a_tapped_quick_reply_routes_the_flow()
    {
        await using var s = await StartAsync("flow_instagram", MenuFlow(), account: Instagram);
        await ActivateAsync(s.Db, s.FlowId, WorkerDatabase.Page, "new_conversation");
        await CustomerWritesAsync(s.Db, "ig-user-1", "hola", account: Instagram);
        await CustomerWritesAsync(s.Db, "psid-user-1", "hola", account: WorkerDatabase.Page);
        await WaitSentAsync(s, "ig-user-1", 2, "the Instagram menu");
        await WaitSentAsync(s, "psid-user-1", 2, "the Messenger menu");
        var outbound = await s.Db.QueryAsync<string>(
            "select payload::text from chat.messages where direction = 'out' and body = '¿En qué te ayudo?' order by id");
        Assert.Equal(2, outbound.Count);
        Assert.All(outbound, p => Assert.Contains("quick_replies", p));

        await CustomerWritesAsync(s.Db, "ig-user-1", "Una persona", account: Instagram,
            payload: new { sender = new { id = "ig-user-1" }, message = new { text = "Una persona", quick_reply = new { payload = "person" } } });
        await WaitSentAsync(s, "ig-user-1", 3, "the quick reply routes to the handoff");
        Assert.Equal("Te paso con una persona.", (await SentToAsync(s, "ig-user-1"))[2].Text);
    }

    [Fact]
    public async Task An_expired_session_says_so_once_and_the_next_message_does_not_restart_it()
    {
        await using var s = await StartAsync("flow_expiry", MenuFlow(timeoutMessage: "Cerramos el chat por inactividad."));
        var conversation = await CustomerWritesAsync(s.Db, "34611000006", "hola");
        await WaitSentAsync(s, "34611000006", 2, "the menu");
        await Eventually.TrueAsync(async () => await s.Db.ScalarAsync<string>("select phase from bot.flow_sessions where conversation_id = @conversation", new { conversation }) == "input",
            TimeSpan.FromSeconds(10), "the session waits for the answer");
        // The clock moves past the expiry (4 h): the session's due time is its expiry.
        await s.Db.ExecuteAsync("update bot.flow_sessions set expires_at = now() - interval '1 second', due_at = now() - interval '1 second' where conversation_id = @conversation",
            new { conversation });
        await WaitSentAsync(s, "34611000006", 3, "the timeout message");
        Assert.Equal("Cerramos el chat por inactividad.", (await SentToAsync(s, "34611000006"))[2].Text);
        await Eventually.TrueAsync(async () => (await SessionAsync(s, conversation)).StartsWith("expired", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the session expired");

        // No loop after a timeout (typebot #2340): the customer writes again, and people get it — no new session.
        var control = await CustomerWritesAsync(s.Db, "34611000007", "hola");
        await CustomerWritesAsync(s.Db, "34611000006", "hola de nuevo");
        await WaitSentAsync(s, "34611000007", 2, "a new conversation still starts the flow (positive control)");
        await Task.Delay(300);
        Assert.Equal(3, (await SentToAsync(s, "34611000006")).Count);
        Assert.Equal(1, await s.Db.ScalarAsync<long>("select count(*) from bot.flow_sessions where conversation_id = @conversation", new { conversation }));
    }

    [Fact]
    public async Task A_Worker_that_dies_mid_step_leaves_the_session_to_another_and_every_message_is_answered_exactly_once()
    {
        await using var s = await StartAsync("flow_workers", MenuFlow(), workers: 2);
        // Ten customers start at once on two Workers: each gets the welcome and the menu once.
        var customers = Enumerable.Range(0, 10).Select(i => "3461200000" + i).ToList();
        await Task.WhenAll(customers.Select(c => CustomerWritesAsync(s.Db, c, "hola")));
        foreach (var c in customers) await WaitSentAsync(s, c, 2, "the menu for " + c);

        // A Worker claims the next step of one session and dies before committing: the lease runs out, another steps it.
        var victim = customers[0];
        var conversation = await s.Db.ScalarAsync<long>("select c.id from chat.conversations c join chat.contacts ct on ct.id = c.contact_id where ct.external_id = @victim", new { victim });
        await s.Db.ExecuteAsync("update bot.flow_sessions set locked_by = 'dead-worker', locked_until = now() + interval '2 seconds' where conversation_id = @conversation", new { conversation });
        await Task.WhenAll(customers.Select(c => CustomerWritesAsync(s.Db, c, "1")));
        foreach (var c in customers.Skip(1)) await WaitSentAsync(s, c, 3, "the question for " + c);
        Assert.Equal(2, (await SentToAsync(s, victim)).Count);          // still leased by the dead Worker
        await WaitSentAsync(s, victim, 3, "the question once the dead Worker's lease ran out");

        await Task.Delay(500);
        foreach (var c in customers)
            Assert.Equal(["Hola Lucía", "¿En qué te ayudo?", "¿Tu número de pedido?"], (await SentToAsync(s, c)).Select(x => x.Text));
    }

    /// <summary>A Worker that claims a session and dies with no further customer message must not strand it: the claim
    /// marks it due again when its lease ends (found by EndToEnd.Tests/ScaleOutTests with a Worker SIGKILLed).</summary>
    [Fact]
    public async Task A_session_claimed_by_a_Worker_that_died_is_stepped_once_by_another_when_the_lease_ends_without_the_customer_writing_again()
    {
        await using var s = await StartAsync("flow_dead_claim", MenuFlow(), workers: 0);
        await CustomerWritesAsync(s.Db, "34612000077", "hola");
        var claimed = await s.Db.QueryAsync<long>("select conversation_id from bot.claim_flow_sessions('dead-worker', 10, 2)");
        Assert.Single(claimed); // the dead Worker holds the new session (and will never commit)

        s.Workers.Add(WorkerHost.Start(s.Db, s.Meta, ("Bots:PollIntervalMs", "100"), ("Ai:Enabled", "false")));
        await WaitSentAsync(s, "34612000077", 2, "the welcome and the menu once the dead Worker's lease ran out");
        await Task.Delay(1000);
        Assert.Equal(["Hola Lucía", "¿En qué te ayudo?"], (await SentToAsync(s, "34612000077")).Select(x => x.Text));
    }

    /// <summary>The other side: a session claimed past its attempts with no step finishing (every Worker that took it
    /// stopped mid-step) fails for people to take instead of stopping the next Worker too; nothing is sent. The test
    /// above is its positive control (one dead claim: stepped).</summary>
    [Fact]
    public async Task A_session_whose_steps_keep_stopping_their_Workers_fails_for_people_without_a_step()
    {
        await using var s = await StartAsync("flow_abandoned", MenuFlow(), workers: 0);
        var conversation = await CustomerWritesAsync(s.Db, "34612000079", "hola");
        // Five claims whose Workers all died: leased, never committed nor released, the last lease over.
        await s.Db.ExecuteAsync("""
            update bot.flow_sessions set attempt_count = 5, locked_by = 'dead-worker', locked_until = now() - interval '1 second',
                                         due_at = now() - interval '1 second'
            where conversation_id = @conversation
            """, new { conversation });

        s.Workers.Add(WorkerHost.Start(s.Db, s.Meta, ("Bots:PollIntervalMs", "100"), ("Ai:Enabled", "false")));
        await Eventually.TrueAsync(async () => await s.Db.ScalarAsync<string>(
                "select status || ':' || coalesce(reason, '') from bot.flow_sessions where conversation_id = @conversation", new { conversation }) == "failed:error",
            TimeSpan.FromSeconds(20), "the session fails for people");
        Assert.StartsWith("abandoned: claimed 6 times", await s.Db.ScalarAsync<string>(
            "select last_error from bot.flow_sessions where conversation_id = @conversation", new { conversation }));
        // Nothing was queued (what a step sends is in chat.messages when its step commits), so nothing can reach Meta.
        Assert.Equal(0L, await s.Db.ScalarAsync<long>("select count(*) from chat.messages where conversation_id = @conversation and direction = 'out'",
            new { conversation }));
        Assert.Empty(await SentToAsync(s, "34612000079"));
    }

    /// <summary>A customer message that arrives while a step runs (after the claim gave it its inputs) wakes the session
    /// at its commit instead of waiting for the customer's next message or the expiry (ingestion's wake-up, on the leased
    /// session, was written over by the commit).</summary>
    [Fact]
    public async Task A_message_that_arrives_while_a_step_runs_makes_the_session_due_at_its_commit()
    {
        await using var s = await StartAsync("flow_wake_during_step", MenuFlow(), workers: 0);
        var conversation = await CustomerWritesAsync(s.Db, "34612000078", "hola");
        var session = (await s.Db.QueryAsync<(long Id, long LastMessageId)>(
            "select session_id, last_message_id from bot.claim_flow_sessions('worker-a', 10, 30)")).Single();
        var input = await s.Db.ScalarAsync<long>("select max(id) from chat.messages where conversation_id = @conversation", new { conversation });
        // Seconds from now until the session is due, after this step's commit.
        async Task<double> CommitAsync(int seq, long lastMessageId)
        {
            Assert.Equal("committed", await s.Db.ScalarAsync<string>("""
                select (bot.flow_commit(@Id, 'worker-a', @seq, 'menu', 'input', '{}', 0, 2, @lastMessageId, 'active', null, null, null, '[]',
                                        '{welcome,menu}', @lastMessageId, 1)).outcome
                """, new { session.Id, seq, lastMessageId }));
            return await s.Db.ScalarAsync<double>("select extract(epoch from due_at - now())::float8 from bot.flow_sessions where id = @Id", new { session.Id });
        }

        // Positive control: with nothing new (the first step was given its trigger), the waiting session is due only at its expiry.
        var quiet = await CommitAsync(1, input);
        Assert.True(quiet > 30 * 60, $"due in {quiet} s");

        // Claimed again; the customer writes while the step runs; the commit (given only the older input) leaves it due now.
        await s.Db.ExecuteAsync("update bot.flow_sessions set due_at = now() where id = @Id", new { session.Id });
        Assert.Equal("[]", (await s.Db.QueryAsync<string>("select inputs::text from bot.claim_flow_sessions('worker-a', 10, 30)")).Single());
        await CustomerWritesAsync(s.Db, "34612000078", "¿hola?");
        var woken = await CommitAsync(2, input);
        Assert.True(woken <= 0, $"due in {woken} s");

        // The next claim is given that message, and only it.
        var late = await s.Db.ScalarAsync<long>("select max(id) from chat.messages where conversation_id = @conversation", new { conversation });
        var inputs = (await s.Db.QueryAsync<string>("select inputs::text from bot.claim_flow_sessions('worker-a', 10, 30)")).Single();
        Assert.Equal([late], JsonDocument.Parse(inputs).RootElement.EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
    }

    /// <summary>The message that started a session is its first step's input, never a message that came during the step:
    /// the commit-time wake tried first (3b5f504, taken back) compared message ids and re-asked the menu in the Console
    /// bot rail test. A keyword trigger, through a real Worker: the menu goes out once and the session waits for the
    /// customer until its expiry, one step recorded. The positive control of the test below.</summary>
    [Fact]
    public async Task A_sessions_first_step_consumes_its_trigger_so_the_menu_is_sent_once_and_the_session_waits_for_its_expiry()
    {
        await using var s = await StartAsync("flow_trigger_once", MenuFlow(), entry: "keyword", keywords: ["menu"]);
        var conversation = await CustomerWritesAsync(s.Db, "34612000080", "Hola, menu");
        var trigger = await s.Db.ScalarAsync<long>("select max(id) from chat.messages where conversation_id = @conversation", new { conversation });
        await WaitSentAsync(s, "34612000080", 2, "the welcome and the menu");
        await Task.Delay(1500);   // a Worker polling every 100 ms would have stepped a session made due again by now

        Assert.Equal(["Hola Lucía", "¿En qué te ayudo?"], (await SentToAsync(s, "34612000080")).Select(x => x.Text));
        var (phase, lastMessageId, dueIn, wakeAt) = (await s.Db.QueryAsync<(string, long, double, DateTime?)>("""
            select phase, last_message_id, extract(epoch from due_at - now())::float8, wake_at from bot.flow_sessions where conversation_id = @conversation
            """, new { conversation })).Single();
        Assert.Equal("input", phase);
        Assert.Equal(trigger, lastMessageId);
        Assert.True(dueIn > 30 * 60, $"due in {dueIn} s");
        Assert.Null(wakeAt);
        Assert.Equal(["welcome,menu"], await s.Db.QueryAsync<string>("""
            select array_to_string(st.path, ',') from bot.flow_steps st join bot.flow_sessions fs on fs.id = st.session_id
            where fs.conversation_id = @conversation order by st.seq
            """, new { conversation }));
    }

    /// <summary>A first step runs in phase run, which ingestion's wake-up (for sessions waiting in phase input) never
    /// touched: a customer who wrote again while the welcome and menu were being decided waited for their next message.
    /// Through the Worker's own runner: the message makes the session due at the first step's commit, and the next step
    /// is given that message alone (not the trigger again), so the menu is sent once and the message answers it.</summary>
    [Fact]
    public async Task A_message_during_a_sessions_first_step_is_answered_by_the_next_step_without_its_trigger()
    {
        await using var s = await StartAsync("flow_wake_first_step", MenuFlow(), workers: 0);
        var conversation = await CustomerWritesAsync(s.Db, "34612000081", "hola");
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;   // as the Worker's database registration sets it
        await using var dataSource = s.Db.CreateDataSource();
        var store = new FlowStore(dataSource);
        var runner = new FlowRunner(store, TimeProvider.System);
        static long[] InputIds(FlowClaim claim) =>
            [.. JsonDocument.Parse(claim.Inputs).RootElement.EnumerateArray().Select(i => i.GetProperty("id").GetInt64())];

        var first = (await store.ClaimAsync("worker-a", 10, 30, default)).Single();
        var trigger = await s.Db.ScalarAsync<long>("select max(id) from chat.messages where conversation_id = @conversation", new { conversation });
        Assert.Equal([trigger], InputIds(first));
        Assert.Equal("run", first.Phase);
        await CustomerWritesAsync(s.Db, "34612000081", "mi pedido");     // while the first step runs
        var late = await s.Db.ScalarAsync<long>("select max(id) from chat.messages where conversation_id = @conversation", new { conversation });
        Assert.Equal("committed", await runner.StepAsync(first, "worker-a", default));
        Assert.True(await s.Db.ScalarAsync<bool>("select due_at <= now() and phase = 'input' from bot.flow_sessions where conversation_id = @conversation",
            new { conversation }), "due at once for the message that came during the step");

        var second = (await store.ClaimAsync("worker-a", 10, 30, default)).Single();
        Assert.Equal([late], InputIds(second));
        Assert.Equal("committed", await runner.StepAsync(second, "worker-a", default));

        s.Workers.Add(WorkerHost.Start(s.Db, s.Meta, ("Bots:PollIntervalMs", "100"), ("Ai:Enabled", "false")));
        await WaitSentAsync(s, "34612000081", 3, "the welcome, the menu and the question its answer leads to");
        await Task.Delay(1000);
        Assert.Equal(["Hola Lucía", "¿En qué te ayudo?", "¿Tu número de pedido?"], (await SentToAsync(s, "34612000081")).Select(x => x.Text));
    }

    [Fact]
    public async Task A_keyword_starts_the_flow_and_photos_sent_together_are_one_turn()
    {
        var flow = new
        {
            start = "route",
            channels = new[] { "whatsapp" },
            nodes = new object[]
            {
                new { id = "route", type = "intent", intents = new[] { new { name = "catalog", keywords = new[] { "catalogo" }, next = "ask" } }, fallback = "bye" },
                new { id = "ask", type = "question", text = "Envíanos la foto del producto", expect = "text", saveAs = "photo", next = "bye", retries = 0, fallback = "bye" },
                new { id = "bye", type = "end", text = "Recibido: {{photo}}" },
            },
        };
        await using var s = await StartAsync("flow_keyword", flow, entry: "keyword", keywords: ["Catálogo"]);
        var other = await CustomerWritesAsync(s.Db, "34611000010", "hola");       // no keyword: no session
        var conversation = await CustomerWritesAsync(s.Db, "34611000011", "quiero el CATALOGO!");
        await WaitSentAsync(s, "34611000011", 1, "the keyword routes straight to the question");
        Assert.Equal("Envíanos la foto del producto", (await SentToAsync(s, "34611000011"))[0].Text);
        Assert.Equal(0, await s.Db.ScalarAsync<long>("select count(*) from bot.flow_sessions where conversation_id = @other", new { other }));

        await Eventually.TrueAsync(async () => await s.Db.ScalarAsync<string>("select phase from bot.flow_sessions where conversation_id = @conversation", new { conversation }) == "input",
            TimeSpan.FromSeconds(10), "the session waits for the photo");
        await CustomerWritesAsync(s.Db, "34611000011", "foto 1", type: "image");
        await CustomerWritesAsync(s.Db, "34611000011", "foto 2", type: "image");
        await WaitSentAsync(s, "34611000011", 2, "one answer to the album");
        await Task.Delay(2_500);
        var sent = await SentToAsync(s, "34611000011");
        Assert.Equal(2, sent.Count);
        Assert.Equal("Recibido: foto 1\nfoto 2", sent[1].Text);
    }

    [Fact]
    public async Task The_message_rate_guard_hands_off_with_its_reason()
    {
        await using var s = await StartAsync("flow_guard", MenuFlow(maxMessagesPerMinute: 2));
        var conversation = await CustomerWritesAsync(s.Db, "34611000012", "hola");
        await WaitSentAsync(s, "34611000012", 2, "welcome and menu: two messages this minute");
        await CustomerWritesAsync(s.Db, "34611000012", "1");
        await Eventually.TrueAsync(async () => (await SessionAsync(s, conversation)).StartsWith("handed_off:guard_rate", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the rate guard trips");
        await WaitSentAsync(s, "34611000012", 3, "the customer is told");
        Assert.Equal("Te paso con una persona del equipo, que te responderá enseguida.", (await SentToAsync(s, "34611000012"))[2].Text);
    }

    [Fact]
    public async Task An_AI_agent_step_hands_the_conversation_to_the_agent_and_an_agent_handoff_can_start_a_flow()
    {
        var flow = new
        {
            start = "hello",
            channels = new[] { "whatsapp" },
            nodes = new object[]
            {
                new { id = "hello", type = "message", text = "Te atiende nuestro asistente.", next = "ai" },
                new { id = "ai", type = "ai_agent", agentId = 0L },
            },
        };
        await using var s = await StartAsync("flow_ai", flow);
        var agent = await s.Db.ScalarAsync<long>("""
            with a as (insert into bot.ai_agents (project_id, name, draft) values (@project, 'Ana', '{}') returning id),
                 v as (insert into bot.ai_agent_versions (project_id, agent_id, version, definition) select @project, id, 1, '{}' from a returning id, agent_id)
            select agent_id from v
            """, new { project = s.Db.ProjectId });
        await s.Db.ExecuteAsync("update bot.ai_agents set published_version_id = (select max(id) from bot.ai_agent_versions where agent_id = @agent) where id = @agent", new { agent });
        await s.Db.ExecuteAsync("update bot.flow_versions set definition = jsonb_set(definition, '{nodes,1,agentId}', to_jsonb(@agent)) where flow_id = @flow",
            new { agent, flow = s.FlowId });
        var conversation = await CustomerWritesAsync(s.Db, "34611000013", "hola");
        await WaitSentAsync(s, "34611000013", 1, "the flow's message");
        await Eventually.TrueAsync(async () => (await SessionAsync(s, conversation)).StartsWith("completed:ai_agent", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the session ends into the agent");
        Assert.Equal("active:flow", await s.Db.ScalarAsync<string>(
            "select state || ':' || state_reason from bot.ai_conversations where conversation_id = @conversation and agent_id = @agent", new { conversation, agent }));

        // The agent hands off; a flow activated for ai_handoff takes the conversation instead of people.
        await ActivateAsync(s.Db, s.FlowId, WorkerDatabase.WhatsApp, "ai_handoff");
        await s.Db.ExecuteAsync("update bot.ai_conversations set locked_by = 'w', locked_until = now() + interval '1 minute' where conversation_id = @conversation", new { conversation });
        Assert.Equal("handed_off", await s.Db.ScalarAsync<string>("select bot.ai_hand_off(@conversation, 'w', 'asks_for_person', null)", new { conversation }));
        Assert.Equal("ai_handoff", await s.Db.ScalarAsync<string>(
            "select entry from bot.flow_sessions where conversation_id = @conversation order by id desc limit 1", new { conversation }));
        Assert.Equal(2, await s.Db.ScalarAsync<long>("select count(*) from bot.flow_sessions where conversation_id = @conversation", new { conversation }));
    }
    [Fact]
    public async Task An_ad_referral_starts_its_flow_out_of_hours_starts_another_and_a_template_node_sends_an_approved_template()
    {
        var adFlow = new
        {
            start = "t",
            channels = new[] { "whatsapp" },
            nodes = new object[]
            {
                new { id = "t", type = "template", templateName = "invoice_copy", templateLanguage = "es", templateParameters = new Dictionary<string, string> { ["1"] = "{{contact.name}}" }, next = "e" },
                new { id = "e", type = "end", text = "Anuncio visto" },
            },
        };
        await using var s = await StartAsync("flow_referral", adFlow, entry: "referral");
        await s.Db.ExecuteAsync("""
            insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
            select project_id, id, waba_id, 'invoice_copy', 'es', 'UTILITY',
                   '[{"type":"BODY","text":"Hola {{1}}, gracias por escribirnos.","example":{"body_text":[["Ana"]]}}]', 'APPROVED'
            from meta.accounts where external_id = @account
            """, new { account = WorkerDatabase.WhatsApp });
        // Out of hours (the project is closed all week) another flow greets new conversations that came from no ad.
        await s.Db.ExecuteAsync("update core.projects set business_hours = '{}' where id = @ProjectId", new { s.Db.ProjectId });
        var closedFlow = await s.Db.ScalarAsync<long>("insert into bot.flows (project_id, name, draft) values (@ProjectId, 'Closed', '{}') returning id",
            new { s.Db.ProjectId });
        await s.Db.ExecuteAsync("""
            insert into bot.flow_versions (project_id, flow_id, version, definition)
            values (@ProjectId, @closedFlow, 1, '{"start":"c","channels":["whatsapp"],"nodes":[{"id":"c","type":"end","text":"Ahora estamos cerrados"}]}');
            update bot.flows set published_version_id = (select max(id) from bot.flow_versions where flow_id = @closedFlow) where id = @closedFlow;
            """, new { s.Db.ProjectId, closedFlow });
        await ActivateAsync(s.Db, closedFlow, WorkerDatabase.WhatsApp, "out_of_hours");

        await CustomerWritesAsync(s.Db, "34611000020", "Hola, vi vuestro anuncio", payload: new { referral = new { source_id = "ad-123", source_type = "ad", ctwa_clid = "ARAabc" } });
        await CustomerWritesAsync(s.Db, "34611000021", "Hola");
        await WaitSentAsync(s, "34611000020", 2, "the template and the end message");
        await WaitSentAsync(s, "34611000021", 1, "the out-of-hours greeting");
        var ad = await SentToAsync(s, "34611000020");
        Assert.Equal(["template", "text"], ad.Select(x => x.Type));
        Assert.Equal("Anuncio visto", ad[1].Text);
        Assert.Equal("Ahora estamos cerrados", (await SentToAsync(s, "34611000021")).Single().Text);
        Assert.Equal("referral", await s.Db.ScalarAsync<string>("""
            select fs.entry from bot.flow_sessions fs join chat.conversations c on c.id = fs.conversation_id
            join chat.contacts ct on ct.id = c.contact_id where ct.external_id = '34611000020'
            """));
    }

    [Fact]
    public async Task A_session_finishes_on_the_version_it_started_with_while_new_sessions_run_the_new_one()
    {
        await using var s = await StartAsync("flow_versions", MenuFlow());
        var old = await CustomerWritesAsync(s.Db, "34611000030", "hola");
        await WaitSentAsync(s, "34611000030", 2, "the v1 menu");
        var v2 = JsonSerializer.Serialize(MenuFlow(), Json).Replace("Gracias, pedido {{order}}.", "v2: pedido {{order}}.", StringComparison.Ordinal)
            .Replace("Hola {{contact.name}}", "v2: hola", StringComparison.Ordinal);
        await s.Db.ExecuteAsync("""
            insert into bot.flow_versions (project_id, flow_id, version, definition) values (@ProjectId, @FlowId, 2, @v2::jsonb);
            update bot.flows set published_version_id = (select max(id) from bot.flow_versions where flow_id = @FlowId) where id = @FlowId;
            """, new { s.Db.ProjectId, s.FlowId, v2 });
        await CustomerWritesAsync(s.Db, "34611000031", "hola");
        await WaitSentAsync(s, "34611000031", 2, "the v2 menu for a new session");
        Assert.Equal("v2: hola", (await SentToAsync(s, "34611000031"))[0].Text);

        await CustomerWritesAsync(s.Db, "34611000030", "1");
        await WaitSentAsync(s, "34611000030", 3, "the question");
        await CustomerWritesAsync(s.Db, "34611000030", "654321");
        await WaitSentAsync(s, "34611000030", 4, "the end of v1");
        Assert.Equal("Gracias, pedido 654321.", (await SentToAsync(s, "34611000030"))[3].Text);
        Assert.Equal(1, await s.Db.ScalarAsync<int>("""
            select v.version from bot.flow_sessions fs join bot.flow_versions v on v.id = fs.version_id where fs.conversation_id = @old
            """, new { old }));
    }
    [Fact]
    public async Task A_conversation_the_bot_is_working_is_not_auto_assigned_until_the_bot_hands_it_off()
    {
        await using var s = await StartAsync("flow_assign", MenuFlow());
        var user = await s.Db.ScalarAsync<long>("select core.create_user('ana@bots.local', 'Ana', 'x')");
        await s.Db.ExecuteAsync("select core.grant_role(@ProjectId, @user, 'agent')", new { s.Db.ProjectId, user });
        var queue = await s.Db.ScalarAsync<long>("insert into core.queues (project_id, name, auto_assign) values (@ProjectId, 'Auto', true) returning id", new { s.Db.ProjectId });
        await s.Db.ExecuteAsync("insert into core.queue_members (queue_id, user_id) values (@queue, @user)", new { queue, user });
        await s.Db.ExecuteAsync("update meta.accounts set default_queue_id = @queue where external_id = @account", new { queue, account = WorkerDatabase.WhatsApp });
        await s.Db.ExecuteAsync("select core.set_presence(@user, 'online')", new { user });

        var bot = await CustomerWritesAsync(s.Db, "34611000040", "hola");
        await s.Db.ExecuteAsync("update chat.conversations set queue_id = @queue where id = @bot", new { queue, bot });
        // Positive control: a conversation no bot holds, in the same queue, is assigned.
        var plain = await s.Db.ScalarAsync<long>("""
            with a as (select id, project_id, channel from meta.accounts where external_id = @account),
                 c as (insert into chat.contacts (project_id, channel, external_id) select project_id, channel, '34611000041' from a returning id)
            insert into chat.conversations (project_id, account_id, contact_id, channel, queue_id, last_inbound_at)
            select a.project_id, a.id, c.id, a.channel, @queue, now() from a, c returning id
            """, new { account = WorkerDatabase.WhatsApp, queue });
        await s.Db.ExecuteAsync("select pg_notify('assignment', '')");
        await WaitSentAsync(s, "34611000040", 2, "the menu");
        await Eventually.TrueAsync(async () => await s.Db.ScalarAsync<long?>("select assigned_user_id from chat.conversations where id = @plain", new { plain }) == user,
            TimeSpan.FromSeconds(10), "the conversation without a bot is assigned");
        Assert.Null((await s.Db.QueryAsync<long?>("select assigned_user_id from chat.conversations where id = @bot", new { bot })).Single());

        await CustomerWritesAsync(s.Db, "34611000040", "una persona");
        await Eventually.TrueAsync(async () => (await s.Db.QueryAsync<long?>("select assigned_user_id from chat.conversations where id = @bot", new { bot })).Single() == user,
            TimeSpan.FromSeconds(10), "assigned once the bot handed it off");
        Assert.StartsWith("handed_off", await SessionAsync(s, bot), StringComparison.Ordinal);
    }
    [Fact]
    public async Task A_WhatsApp_list_row_and_a_Messenger_postback_route_the_flow_by_their_ids()
    {
        var flow = new
        {
            start = "menu",
            channels = new[] { "whatsapp", "messenger" },
            nodes = new object[]
            {
                new
                {
                    id = "menu", type = "choice", text = "Elige", style = "list", listButton = "Opciones", fallback = "bye",
                    choices = new object[]
                    {
                        new { id = "a", title = "Primera", next = "first" }, new { id = "b", title = "Segunda", next = "second" },
                        new { id = "c", title = "Tercera", next = "bye" }, new { id = "d", title = "Cuarta", next = "bye" },
                    },
                },
                new { id = "first", type = "end", text = "Elegiste la primera" },
                new { id = "second", type = "end", text = "Elegiste la segunda" },
                new { id = "bye", type = "end", text = "Adiós" },
            },
        };
        await using var s = await StartAsync("flow_list", flow);
        await ActivateAsync(s.Db, s.FlowId, WorkerDatabase.Page, "new_conversation");
        await CustomerWritesAsync(s.Db, "34611000050", "hola");
        await CustomerWritesAsync(s.Db, "psid-postback-1", "hola", account: WorkerDatabase.Page);
        await WaitSentAsync(s, "34611000050", 1, "the WhatsApp list");
        await WaitSentAsync(s, "psid-postback-1", 1, "the Messenger quick replies");
        // Four choices: a list on WhatsApp (the sandbox refuses four reply buttons), quick replies on Messenger.
        Assert.Equal("interactive", (await SentToAsync(s, "34611000050"))[0].Type);

        await CustomerWritesAsync(s.Db, "34611000050", "Segunda", type: "interactive",
            payload: new { interactive = new { type = "list_reply", list_reply = new { id = "b", title = "Segunda" } } });
        await CustomerWritesAsync(s.Db, "psid-postback-1", "Primera", account: WorkerDatabase.Page, type: "postback",
            payload: new { sender = new { id = "psid-postback-1" }, postback = new { title = "Primera", payload = "a" } });
        await WaitSentAsync(s, "34611000050", 2, "the list row's branch");
        await WaitSentAsync(s, "psid-postback-1", 2, "the postback's branch");
        Assert.Equal("Elegiste la segunda", (await SentToAsync(s, "34611000050"))[1].Text);
        Assert.Equal("Elegiste la primera", (await SentToAsync(s, "psid-postback-1"))[1].Text);
    }
}
