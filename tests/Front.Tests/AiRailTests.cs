using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MultichannelMessages.Front.Auth;
using MultichannelMessages.Front.Components.Chats;
using MultichannelMessages.Front.Components.Work;
using MultichannelMessages.Front.CoreApi;
using MultichannelMessages.Front.Realtime;

namespace MultichannelMessages.Front.Tests;

/// <summary>Issue 14 in the conversation: the rail's AI panel (state, reason, approvals, off and back, live) and the
/// bubbles that show what AI made of a file and which replies an AI agent wrote.</summary>
public sealed class AiRailTests : ComponentTest
{
    private const string Route = "/projects/3/conversations/7/ai";
    private static readonly DateTime T0 = new(2026, 11, 25, 10, 0, 0, DateTimeKind.Utc);

    private static ProjectItem Project(params string[] permissions) => new(3, "Demo", "agent", permissions, []);

    private static string Ai(string state, string? reason, string approvals = "", string measures = """{\"intent\":\"refund\",\"urgent\":true}""",
        string? by = null) => $$"""
        {"conversationId":7,"state":"{{state}}","reason":{{(reason is null ? "null" : $"\"{reason}\"")}},"agentId":4,"agentName":"Pedidos IA",
         "turns":3,"measures":"{{measures}}","changedAt":"2026-11-25T10:00:00Z","changedByName":{{(by is null ? "null" : $"\"{by}\"")}},
         "pendingApprovals":[{{approvals}}]}
        """;

    private const string Refund = """
        {"id":55,"conversationId":7,"tool":"refund_order","arguments":"{\"order\":\"4711\",\"amount\":120}","status":"pending",
         "requestedAt":"2026-11-25T10:00:00Z","decidedByName":null,"decidedAt":null,"result":null,"note":null}
        """;

    private LiveFeed Feed() => DetachedFeed.Register(Services);

    private IRenderedComponent<AiStatePanel> Panel(ProjectItem project) =>
        Render<AiStatePanel>(p => p.Add(a => a.ConversationId, 7).Add(a => a.Project, project));

    private static ChangeItem AiChanged(long id, long conversationId) => DetachedFeed.Change(id, "ai_changed", conversationId);

    [Fact]
    public void The_panel_shows_the_agent_its_state_and_reason_in_words_turns_measures_and_the_risky_call_with_its_arguments()
    {
        new FakeCoreApi().On(Route, Ai("waiting", "approval", Refund)).Register(Services);
        Feed();
        var cut = Panel(Project(AiPermission.Read, AiPermission.Control, AiPermission.ApproveTools));

        cut.WaitForAssertion(() => Assert.Equal("waiting", cut.Find("[data-testid=rail-ai]").GetAttribute("data-state")));
        Assert.Equal("Waiting", cut.Find("[data-testid=ai-state]").TextContent);
        Assert.Equal("Pedidos IA", cut.Find("[data-testid=ai-agent]").TextContent);
        Assert.StartsWith("a risky tool waits for approval", cut.Find("[data-testid=ai-reason]").TextContent.Trim());
        Assert.Equal("3", cut.Find("[data-testid=ai-turns]").TextContent);
        Assert.Equal(["refund", "true"], cut.FindAll("[data-testid=ai-measure]").Select(m => m.TextContent));
        var approval = cut.Find("[data-testid=ai-approval]");
        Assert.Equal("55", approval.GetAttribute("data-approval-id"));
        Assert.Equal("refund_order", cut.Find("[data-testid=ai-approval-tool]").TextContent);
        Assert.Equal("order4711amount120", cut.Find("[data-testid=ai-approval-arguments]").TextContent.Replace(" ", "").Replace("\n", ""));
        Assert.NotNull(cut.Find("[data-testid=ai-approve]"));
        Assert.NotNull(cut.Find("[data-testid=ai-deny]"));
        Assert.NotNull(cut.Find("[data-testid=ai-turn-off]"));
        Assert.Empty(cut.FindAll("[data-testid=ai-give-back]"));
    }

    [Fact]
    public void Without_the_permissions_the_panel_shows_the_call_but_neither_decisions_nor_controls_and_without_ai_read_it_is_not_there()
    {
        var api = new FakeCoreApi().On(Route, Ai("waiting", "approval", Refund));
        api.Register(Services);
        Feed();
        var agent = Panel(Project(AiPermission.Read));
        agent.WaitForAssertion(() => Assert.Equal("refund_order", agent.Find("[data-testid=ai-approval-tool]").TextContent));
        Assert.Empty(agent.FindAll("[data-testid=ai-approve]"));
        Assert.Empty(agent.FindAll("[data-testid=ai-turn-off]"));
        Assert.Equal("A supervisor or admin decides.", agent.Find("[data-testid=ai-approval-waits]").TextContent);

        var blind = Panel(Project());
        Assert.Empty(blind.FindAll("[data-testid=rail-ai]"));
        Assert.Single(api.Requests); // the first panel's read only
    }

    [Fact]
    public async Task Approving_posts_the_decision_with_the_note_and_a_call_decided_meanwhile_is_refused_in_words()
    {
        var api = new FakeCoreApi().On(Route, Ai("waiting", "approval", Refund))
            .On("POST /projects/3/ai/approvals/55/decision", Refund.Replace("pending", "approved"));
        api.Register(Services);
        var feed = Feed();
        var cut = Panel(Project(AiPermission.Read, AiPermission.ApproveTools));
        cut.WaitForAssertion(() => cut.Find("[data-testid=ai-approval-note]"));

        cut.Find("[data-testid=ai-approval-note]").Input("  Dentro de la política  ");
        api.On(Route, Ai("waiting", "approval"));
        cut.Find("[data-testid=ai-approve]").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=ai-approval]")));
        var sent = System.Text.Json.JsonDocument.Parse(api.Bodies[api.Requests.IndexOf("POST /projects/3/ai/approvals/55/decision")]).RootElement;
        Assert.Equal((true, "Dentro de la política"), (sent.GetProperty("approve").GetBoolean(), sent.GetProperty("note").GetString()));
        Assert.Empty(cut.FindAll("[data-testid=ai-error]"));

        // Another call waits (pushed); someone else decides it first: the refusal is translated, and the list read again.
        api.On(Route, Ai("waiting", "approval", Refund));
        await feed.ApplyAsync(AiChanged(200, 7));
        cut.WaitForAssertion(() => cut.Find("[data-testid=ai-approve]"));
        api.On("POST /projects/3/ai/approvals/55/decision", """{"code":"approval_decided","detail":"x"}""", System.Net.HttpStatusCode.Conflict);
        api.On(Route, Ai("waiting", "approval"));
        cut.Find("[data-testid=ai-approve]").Click();
        cut.WaitForAssertion(() => Assert.Equal("This tool call has been decided already.", cut.Find("[data-testid=ai-error]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=ai-approval]"));
    }

    [Fact]
    public void Turning_the_ai_off_puts_the_state_and_shows_give_back_whose_refusal_is_translated()
    {
        var api = new FakeCoreApi().On(Route, Ai("active", "started"))
            .On("PUT " + Route, Ai("off", "turned_off", by: "Ana Agent"));
        api.Register(Services);
        Feed();
        var cut = Panel(Project(AiPermission.Read, AiPermission.Control));
        cut.WaitForAssertion(() => Assert.Equal("Active", cut.Find("[data-testid=ai-state]").TextContent));

        cut.Find("[data-testid=ai-turn-off]").Click();
        cut.WaitForAssertion(() => Assert.Equal("Off", cut.Find("[data-testid=ai-state]").TextContent));
        Assert.Equal("""{"state":"off"}""", api.Bodies[api.Requests.IndexOf("PUT " + Route)]);
        Assert.StartsWith("turned off · Ana Agent", cut.Find("[data-testid=ai-reason]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=ai-turn-off]"));

        api.On("PUT " + Route, """{"code":"no_agent","detail":"x"}""", System.Net.HttpStatusCode.Conflict);
        cut.Find("[data-testid=ai-give-back]").Click();
        cut.WaitForAssertion(() => Assert.StartsWith("No published AI agent answers this conversation", cut.Find("[data-testid=ai-error]").TextContent));
        Assert.Equal("Off", cut.Find("[data-testid=ai-state]").TextContent);
    }

    [Fact]
    public async Task An_ai_change_of_this_conversation_is_read_live_and_another_conversations_is_not()
    {
        var api = new FakeCoreApi().On(Route, Ai("active", "started"));
        api.Register(Services);
        var feed = Feed();
        var cut = Panel(Project(AiPermission.Read, AiPermission.Control));
        cut.WaitForAssertion(() => Assert.Equal("Active", cut.Find("[data-testid=ai-state]").TextContent));

        api.On(Route, Ai("handed_off", "asks_for_person"));
        await feed.ApplyAsync(AiChanged(100, 8)); // another conversation: nothing read
        Assert.Single(api.Requests);
        Assert.Equal("Active", cut.Find("[data-testid=ai-state]").TextContent);

        await feed.ApplyAsync(AiChanged(101, 7));
        cut.WaitForAssertion(() => Assert.Equal("Handed to a person", cut.Find("[data-testid=ai-state]").TextContent));
        Assert.StartsWith("the customer asked for a person", cut.Find("[data-testid=ai-reason]").TextContent.Trim());
        Assert.Equal(2, api.Requests.Count);
        Assert.NotNull(cut.Find("[data-testid=ai-give-back]"));
    }

    [Fact]
    public void A_conversation_no_agent_ever_had_shows_no_panel_where_the_project_does_not_use_ai_and_offers_the_agent_where_it_does()
    {
        var api = new FakeCoreApi().On(Route, Ai("none", null, measures: "{}"));
        api.Register(Services);
        Feed();
        var withoutAi = Panel(Project(AiPermission.Read, AiPermission.Control));
        withoutAi.WaitForAssertion(() => Assert.Single(api.Requests));
        Assert.Empty(withoutAi.FindAll("[data-testid=rail-ai]"));

        var withAi = Panel(Project(AiPermission.Read, AiPermission.Control) with { Modules = [new ModuleItem("ai_agents", true)] });
        withAi.WaitForAssertion(() => Assert.Equal("No AI agent", withAi.Find("[data-testid=ai-state]").TextContent));
        Assert.Equal("Hand to the AI agent", withAi.Find("[data-testid=ai-give-back]").TextContent);
        Assert.Empty(withAi.FindAll("[data-testid=ai-turns]"));
    }

    [Fact]
    public void A_reason_this_console_does_not_know_shows_as_its_code_and_spanish_users_read_the_state_in_spanish()
    {
        new FakeCoreApi().On(Route, Ai("handed_off", "brand_new_reason")).Register(Services);
        Feed();
        var cut = Panel(Project(AiPermission.Read));
        cut.WaitForAssertion(() => Assert.StartsWith("brand_new_reason", cut.Find("[data-testid=ai-reason]").TextContent.Trim()));

        using var spanish = new SpanishContext();
        new FakeCoreApi().On(Route, Ai("off", "person_replied")).Register(spanish.Services);
        DetachedFeed.Register(spanish.Services);
        var es = spanish.Render<AiStatePanel>(p => p.Add(a => a.ConversationId, 7).Add(a => a.Project, Project(AiPermission.Read)));
        es.WaitForAssertion(() => Assert.Equal("Apagado", es.Find("[data-testid=ai-state]").TextContent));
        Assert.StartsWith("respondió una persona", es.Find("[data-testid=ai-reason]").TextContent.Trim());
    }

    private sealed class SpanishContext() : ComponentTest("es");

    // ── Bubbles ──────────────────────────────────────────────────────────────────────────────────────────────

    private static Bubble Inbound(string type, string? aiText, string? kind, params MediaRef[] media) => new()
    {
        Id = 70, Direction = "in", Type = type, Status = "received", OccurredAt = T0, Media = media, AiText = aiText, AiTextKind = kind,
    };

    [Fact]
    public void A_voice_notes_transcript_shows_under_it_and_a_long_one_opens_from_an_excerpt()
    {
        var shortNote = Render<MessageBubble>(p => p.Add(b => b.Message, Inbound("audio", "Hola, mi pedido llegó roto", "transcript")));
        Assert.Equal("transcript", shortNote.Find("[data-testid=ai-text]").GetAttribute("data-kind"));
        Assert.Contains("Transcript", shortNote.Find("[data-testid=ai-text]").TextContent);
        Assert.Equal("Hola, mi pedido llegó roto", shortNote.Find("[data-testid=ai-text-body]").TextContent);
        Assert.Empty(shortNote.FindAll("[data-testid=ai-text-toggle]"));

        var words = string.Join(' ', Enumerable.Repeat("la caja llegó abierta y falta una pieza", 12));
        var longNote = Render<MessageBubble>(p => p.Add(b => b.Message, Inbound("audio", words, "transcript")));
        var excerpt = longNote.Find("[data-testid=ai-text-body]").TextContent;
        Assert.True(excerpt.Length <= 281 && excerpt.EndsWith('…'), excerpt);
        longNote.Find("[data-testid=ai-text-toggle]").Click();
        Assert.Equal(words, longNote.Find("[data-testid=ai-text-body]").TextContent);
        Assert.Equal("true", longNote.Find("[data-testid=ai-text-toggle]").GetAttribute("aria-expanded"));
    }

    [Fact]
    public void A_photos_description_is_its_alt_text_and_shows_under_it_while_one_without_keeps_its_caption()
    {
        Func<MediaRef, string?> url = m => $"/media/3/7/{m.Id}";
        var photo = new MediaRef(700, "image", "image/jpeg", null, "mira", "stored");
        var described = Render<MessageBubble>(p => p
            .Add(b => b.Message, Inbound("image", "Una caja de cartón aplastada por una esquina", "description", photo)).Add(b => b.MediaUrl, url));
        Assert.Equal("Una caja de cartón aplastada por una esquina", described.Find("img").GetAttribute("alt"));
        Assert.Equal("description", described.Find("[data-testid=ai-text]").GetAttribute("data-kind"));

        var plain = Render<MessageBubble>(p => p.Add(b => b.Message, Inbound("image", null, null, photo)).Add(b => b.MediaUrl, url));
        Assert.Equal("mira", plain.Find("img").GetAttribute("alt"));
        Assert.Empty(plain.FindAll("[data-testid=ai-text]"));
    }

    [Fact]
    public void A_documents_text_shows_as_an_excerpt()
    {
        var text = "FACTURA 2026-118. " + string.Join(' ', Enumerable.Repeat("Concepto: reparación de pantalla, importe 120 EUR.", 10));
        var cut = Render<MessageBubble>(p => p.Add(b => b.Message,
            Inbound("document", text, "document", new MediaRef(701, "document", "application/pdf", "factura.pdf", null, "stored"))));
        var body = cut.Find("[data-testid=ai-text-body]").TextContent;
        Assert.StartsWith("FACTURA 2026-118.", body);
        Assert.True(body.Length < text.Length && body.EndsWith('…'));
        Assert.Contains("Document text", cut.Find("[data-testid=ai-text]").TextContent);
    }

    [Fact]
    public void An_ai_agents_reply_carries_its_badge_and_a_persons_does_not()
    {
        var byAi = Bubble.From(new MessageItem(80, "out", "text", "Lo reviso ahora", "sent", T0, null, null, null, null, null, null, "[]",
            SentByAiAgentId: 4, SentByAiAgentName: "Pedidos IA"));
        Assert.Equal("AI · Pedidos IA", Render<MessageBubble>(p => p.Add(b => b.Message, byAi)).Find("[data-testid=ai-badge]").TextContent);

        var byPerson = Bubble.From(new MessageItem(81, "out", "text", "Soy Ana", "sent", T0, null, null, null, null, null, 2, "[]"));
        Assert.Empty(Render<MessageBubble>(p => p.Add(b => b.Message, byPerson)).FindAll("[data-testid=ai-badge]"));
    }

    [Fact]
    public void A_message_updated_push_rereads_the_bubble_which_then_shows_its_transcript_and_a_reply_pushed_from_elsewhere_is_reread()
    {
        var state = new InboxState();
        var open = new ConversationItem(7, "whatsapp", 1, "Demo", 3, "Marta", "34600", null, null, "open", T0, "hi", "in", "audio", 0, T0, T0.AddHours(24));
        state.SetFirstPage(new Page<ConversationItem>([open], null), []);
        state.Selected = open;
        var voice = new MessageItem(70, "in", "audio", null, "received", T0, null, null, null, null, null, null, "[]");
        state.Bubbles.Add(Bubble.From(voice));

        var updated = new ChangeItem(5, 1, "message_updated", 7, 70, null, null, null, null, null, null, null, null, null, null, null);
        Assert.Equal(70, state.Apply(updated).RereadMessageId);
        Assert.Null(state.Apply(updated with { Id = 6, MessageId = 71 }).RereadMessageId); // not in this thread
        state.Reread(voice with { AiText = "Mi pedido llegó roto", AiTextKind = "transcript" });
        Assert.Equal(("Mi pedido llegó roto", "transcript"), (state.Bubbles[0].AiText, state.Bubbles[0].AiTextKind));

        // A reply this console did not send is read again (it may be an AI agent's); a customer's message is not.
        var reply = new ChangeItem(7, 1, "message_created", 7, 72, null, null, "queued", "out", "Lo reviso", T0, null, null, 0, "Lo reviso", T0);
        Assert.Equal(72, state.Apply(reply).RereadMessageId);
        var inbound = reply with { Id = 8, MessageId = 73, MessageDirection = "in", MessageStatus = "received" };
        Assert.Null(state.Apply(inbound).RereadMessageId);
        state.Reread(new MessageItem(72, "out", "text", "Lo reviso", "sent", T0, null, null, null, null, null, null, "[]",
            SentByAiAgentId: 4, SentByAiAgentName: "Pedidos IA"));
        Assert.Equal("Pedidos IA", state.Bubbles.Single(b => b.Id == 72).AiAgentName);
    }
}
