using System.Net;
using System.Text.Json;
using Bunit;
using MultichannelMessages.Contracts.Bots;
using MultichannelMessages.Front.Components.Bots;

namespace MultichannelMessages.Front.Tests;

/// <summary>The Chatbots module's editor without a browser: the canvas drawn from the draft, links set by the panel's
/// selects, keyboard moves, renames that carry their links, the document a save sends, problems on their nodes (saved
/// and refused, in the user's language), the draft conflict, and the test panel's state round trip.</summary>
public sealed class FlowEditorTests : ComponentTest
{
    private const string Flow = "/projects/3/bots/flows/5";

    private static readonly FlowDefinition Definition = new("welcome",
    [
        new FlowNode("welcome", "message", Text: "Hi!", Next: "menu", X: 40, Y: 40),
        new FlowNode("menu", "choice", Text: "How can we help?", Style: "buttons",
            Choices: [new FlowChoice("info", "Information", "info"), new FlowChoice("person", "A person", "handoff")], Fallback: "handoff", X: 40, Y: 200),
        new FlowNode("info", "end", Text: "Bye.", X: -160, Y: 420),
        new FlowNode("handoff", "handoff", Text: "A person will answer.", X: 240, Y: 420),
    ], ["whatsapp"]);

    private static readonly FlowProblem ButtonsLimit = new("menu", "choices", "flow_whatsapp_buttons_limit", "At most 3 reply buttons.");

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    private static string Detail(int revision = 4, params FlowProblem[] problems) =>
        Json(new FlowDetail(5, "Shoe shop", revision, Json(Definition), null, null, null, false, problems));

    private FakeCoreApi Api(string? detail = null)
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        var api = new FakeCoreApi().On(Flow, detail ?? Detail());
        api.Register(Services);
        return api;
    }

    private IRenderedComponent<FlowEditor> Editor(bool canManage = true)
    {
        var cut = Render<FlowEditor>(p => p.Add(e => e.ProjectId, 3).Add(e => e.FlowId, 5).Add(e => e.CanManage, canManage)
            .Add(e => e.Queues, [new QueueItem(10, "General")]));
        cut.WaitForAssertion(() => Assert.Equal("4", cut.Find("[data-testid=flow-editor]").GetAttribute("data-revision")));
        return cut;
    }

    private static FlowDefinition Saved(FakeCoreApi api)
    {
        var body = JsonDocument.Parse(api.Bodies[api.Requests.LastIndexOf($"PUT {Flow}")]).RootElement;
        Assert.Equal(4, body.GetProperty("revision").GetInt32());
        return body.GetProperty("definition").Deserialize<FlowDefinition>(JsonSerializerOptions.Web)!;
    }

    private static void Select(IRenderedComponent<FlowEditor> cut, string node) =>
        cut.Find($"[data-testid=flow-node-button][data-flow-node={node}]").Click();

    [Fact]
    public void The_canvas_draws_every_node_at_its_place_and_every_connection_from_its_port()
    {
        Api();
        var cut = Editor();
        Assert.Equal(["welcome", "menu", "info", "handoff"], cut.FindAll("[data-testid=flow-node]").Select(n => n.GetAttribute("data-node")));
        // A node at a negative x is still on the canvas: the drawing is shifted, the document is not.
        Assert.Equal("-160", cut.Find("[data-testid=flow-node][data-node=info]").GetAttribute("data-x"));
        Assert.Contains("left:40px", cut.Find("[data-testid=flow-node][data-node=info]").GetAttribute("style"));
        Assert.Equal(["welcome>menu", "menu>info", "menu>handoff", "menu>handoff"],
            cut.FindAll("[data-testid=flow-link-line]").Select(l => l.GetAttribute("data-from") + ">" + l.GetAttribute("data-to")));
        Assert.Equal(["choice:0", "choice:1", "fallback"],
            cut.FindAll("[data-testid=flow-node][data-node=menu] [data-testid=flow-port]").Select(p => p.GetAttribute("data-port")));
        // The start is said on its node; the first node is the one selected.
        Assert.Contains("Message · start", cut.Find("[data-flow-node=welcome]").TextContent);
        Assert.Equal("welcome", cut.Find("[data-testid=flow-node-form]").GetAttribute("data-node"));
    }

    [Fact]
    public void A_node_added_connected_by_its_selects_moved_by_arrow_keys_and_renamed_is_saved_with_its_links_over_the_revision()
    {
        var api = Api();
        api.On($"PUT {Flow}", Detail(5));
        var cut = Editor();
        cut.Find("[data-testid=flow-add-type]").Change("question");
        cut.Find("[data-testid=flow-add-node]").Click();
        Assert.Equal("question_1", cut.Find("[data-testid=flow-node-form]").GetAttribute("data-node"));
        cut.Find("[data-testid=flow-link][data-link=next]").Change("info");
        cut.Find("[data-testid=flow-link][data-link=fallback]").Change("handoff");

        var button = cut.Find("[data-flow-node=question_1]");
        button.KeyDown("ArrowRight");
        cut.Find("[data-flow-node=question_1]").KeyDown("ArrowRight");
        cut.Find("[data-flow-node=question_1]").KeyDown("ArrowUp");
        cut.Find("[data-flow-node=question_1]").KeyDown("a");

        Select(cut, "menu");
        cut.Find("[data-testid=flow-link][data-link='choice:0']").Change("question_1");
        Assert.Single(cut.FindAll("[data-testid=flow-link-line][data-from=menu][data-to=question_1]"));
        Select(cut, "question_1");
        cut.Find("[data-testid=flow-field-id]").Change("ask_order");
        Assert.Equal("ask_order", cut.Find("[data-testid=flow-node-form]").GetAttribute("data-node"));
        Assert.NotNull(cut.Find("[data-testid=flow-dirty]"));

        cut.Find("[data-testid=flow-save]").Click();
        cut.WaitForAssertion(() => Assert.Equal("5", cut.Find("[data-testid=flow-editor]").GetAttribute("data-revision")));
        var saved = Saved(api);
        var ask = Assert.Single(saved.Nodes, n => n.Id == "ask_order");
        Assert.Equal(("question", "info", "handoff"), (ask.Type, ask.Next, ask.Fallback));
        Assert.Equal((470d + 20, 40d - 10), (ask.X, ask.Y));
        Assert.Equal("ask_order", saved.Nodes.Single(n => n.Id == "menu").Choices![0].Next);
        Assert.Equal(["whatsapp"], saved.Channels);
        Assert.Equal("Draft saved.", cut.Find("[data-testid=flow-message]").TextContent);
    }

    [Fact]
    public void A_renamed_start_node_stays_the_start_and_an_id_another_node_has_is_refused()
    {
        var api = Api();
        api.On($"PUT {Flow}", Detail(5));
        var cut = Editor();
        cut.Find("[data-testid=flow-field-id]").Change("menu");
        Assert.Equal("Give the node an id no other node has.", cut.Find("[data-testid=flow-error]").TextContent.Trim());
        cut.Find("[data-testid=flow-field-id]").Change("hello");
        cut.Find("[data-testid=flow-save]").Click();
        cut.WaitForAssertion(() => Assert.Contains($"PUT {Flow}", api.Requests));
        var saved = Saved(api);
        Assert.Equal("hello", saved.Start);
        Assert.Equal(["hello", "menu", "info", "handoff"], saved.Nodes.Select(n => n.Id));
    }

    [Fact]
    public void A_saved_drafts_problems_are_warnings_on_their_nodes_and_a_refused_publish_lists_them_and_selects_the_node()
    {
        var api = Api(Detail(4, ButtonsLimit));
        api.On($"POST {Flow}/publish", Json(new { code = "flow_invalid", detail = "The draft has problems.", problems = new[] { ButtonsLimit } }),
            HttpStatusCode.UnprocessableEntity);
        var cut = Editor();
        Assert.Equal("false", cut.Find("[data-testid=flow-problems]").GetAttribute("data-refused"));
        Assert.Equal("flow_whatsapp_buttons_limit", cut.Find("[data-testid=flow-node][data-node=menu]").GetAttribute("data-problem"));
        Assert.Contains("has-problem", cut.Find("[data-testid=flow-node][data-node=menu]").ClassList);
        Assert.Equal("WhatsApp shows at most 3 reply buttons: use a list (up to 10) or fewer choices.",
            cut.Find("[data-node=menu] [data-testid=flow-node-problem]").TextContent);

        cut.Find("[data-testid=flow-publish]").Click();
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=flow-problems]").GetAttribute("data-refused")));
        Assert.Equal("Not published: 1 problem(s) to fix, marked on their nodes.", cut.Find("[data-testid=flow-error]").TextContent.Trim());
        Select(cut, "welcome");
        cut.Find("[data-testid=flow-problem-node]").Click();
        Assert.Equal("menu", cut.Find("[data-testid=flow-node-form]").GetAttribute("data-node"));
    }

    [Fact]
    public void An_ai_agent_node_picks_one_of_the_projects_published_agents()
    {
        Api();
        var now = DateTime.UtcNow;
        var cut = Render<FlowEditor>(p => p.Add(e => e.ProjectId, 3).Add(e => e.FlowId, 5).Add(e => e.CanManage, true).Add(e => e.Agents,
        [
            new Contracts.Ai.AgentSummary(8, "Sales bot", 3, 2, now, false, now),
            new Contracts.Ai.AgentSummary(9, "Draft bot", 1, null, null, false, now),
            new Contracts.Ai.AgentSummary(10, "Old bot", 4, 1, now, true, now),
        ]));
        cut.WaitForAssertion(() => cut.Find("[data-testid=flow-add-type]"));
        cut.Find("[data-testid=flow-add-type]").Change("ai_agent");
        cut.Find("[data-testid=flow-add-node]").Click();
        Assert.Equal(["", "8"], cut.FindAll("[data-testid=flow-field-agent] option").Select(o => o.GetAttribute("value")));
        cut.Find("[data-testid=flow-field-agent]").Change("8");
        Assert.Equal("8", cut.Find("[data-testid=flow-field-agent]").GetAttribute("value"));
    }

    [Fact]
    public void A_problem_code_this_console_does_not_know_shows_the_api_sentence()
    {
        Api(Detail(4, new FlowProblem("info", "text", "flow_something_new", "Something new is wrong.")));
        var cut = Editor();
        Assert.Equal("Something new is wrong.", cut.Find("[data-node=info] [data-testid=flow-node-problem]").TextContent);
    }

    [Fact]
    public void A_stale_save_says_someone_else_saved_and_reload_shows_their_draft()
    {
        var api = Api();
        api.On($"PUT {Flow}", """{"code":"draft_conflict","detail":"Stale."}""", HttpStatusCode.Conflict);
        var cut = Editor();
        cut.Find("[data-testid=flow-field-text]").Change("Hello there");
        cut.Find("[data-testid=flow-save]").Click();
        cut.WaitForAssertion(() => Assert.StartsWith("Someone saved this flow since you opened it", cut.Find("[data-testid=flow-error]").TextContent.Trim()));
        cut.Find("[data-testid=flow-reload]").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=flow-dirty]")));
        Assert.Equal("Hi!", cut.Find("[data-testid=flow-field-text]").GetAttribute("value"));
    }

    [Fact]
    public void A_reader_sees_the_flow_without_any_way_to_change_it()
    {
        Api();
        var cut = Editor(canManage: false);
        Assert.Empty(cut.FindAll("[data-testid=flow-save]"));
        Assert.Empty(cut.FindAll("[data-testid=flow-add-node]"));
        Assert.Empty(cut.FindAll("[data-testid=flow-port]"));
        Assert.True(cut.Find("[data-testid=flow-field-text]").HasAttribute("disabled"));
        Assert.All(cut.FindAll("[data-testid=flow-link]"), s => Assert.True(s.HasAttribute("disabled")));
        var x = cut.Find("[data-testid=flow-node][data-node=welcome]").GetAttribute("data-x");
        cut.Find("[data-flow-node=welcome]").KeyDown("ArrowRight");
        Assert.Equal(x, cut.Find("[data-testid=flow-node][data-node=welcome]").GetAttribute("data-x"));
    }

    [Fact]
    public void The_test_panel_sends_a_tapped_button_as_its_reply_id_with_the_state_it_was_given()
    {
        var api = Api();
        var state = new FlowTestState("menu", true, new() { ["topic"] = "" }, 0);
        api.On($"POST {Flow}/test", Json(new FlowTestResult(state,
            [new FlowTestMessage("Hi!", [], null), new FlowTestMessage("How can we help?", [new("info", "Information"), new("person", "A person")], null)],
            "waiting", null, ["welcome", "menu"])));
        var cut = Editor();
        cut.Find("[data-testid=flow-tab-test]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=flow-test-button]").Count));
        Assert.Equal("welcome → menu", cut.Find("[data-testid=flow-test-path]").TextContent);
        Assert.Contains("Waiting for the customer", cut.Find("[data-testid=flow-test-outcome]").TextContent);

        cut.Find("[data-testid=flow-test-button][data-reply=person]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, api.Requests.Count(r => r == $"POST {Flow}/test")));
        var body = JsonDocument.Parse(api.Bodies[api.Requests.LastIndexOf($"POST {Flow}/test")]).RootElement;
        Assert.Equal("person", body.GetProperty("replyId").GetString());
        Assert.Equal("menu", body.GetProperty("state").GetProperty("nodeId").GetString());
        Assert.Equal("A person", cut.Find("[data-testid=flow-test-customer]").TextContent);

        cut.Find("[data-testid=flow-test-restart]").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=flow-test-customer]")));
        var restart = JsonDocument.Parse(api.Bodies[api.Requests.LastIndexOf($"POST {Flow}/test")]).RootElement;
        Assert.Equal(JsonValueKind.Null, restart.GetProperty("state").ValueKind);
    }

    public sealed class InSpanish : ComponentTest
    {
        public InSpanish() : base("es") { }

        [Fact]
        public void A_problem_on_its_node_is_in_spanish()
        {
            JSInterop.Mode = JSRuntimeMode.Loose;
            new FakeCoreApi().On(Flow, Detail(4, ButtonsLimit)).Register(Services);
            var cut = Render<FlowEditor>(p => p.Add(e => e.ProjectId, 3).Add(e => e.FlowId, 5).Add(e => e.CanManage, true));
            cut.WaitForAssertion(() => Assert.Equal("WhatsApp muestra como máximo 3 botones: usa una lista (hasta 10) o menos opciones.",
                cut.Find("[data-node=menu] [data-testid=flow-node-problem]").TextContent));
            Assert.Equal("Probar", cut.Find("[data-testid=flow-tab-test]").TextContent);
        }
    }
}

/// <summary>Two of the editor's safeguards: archiving is asked twice, and a template node suggests the project's approved
/// templates by name, then that template's languages.</summary>
public sealed class FlowEditorSafeguardTests : ComponentTest
{
    private const string Flow = "/projects/3/bots/flows/5";

    private static readonly FlowDefinition Definition = new("send",
        [new FlowNode("send", "template", TemplateName: "order_ready", TemplateLanguage: "es", Next: "bye", X: 40, Y: 40),
         new FlowNode("bye", "end", Text: "Bye.", X: 40, Y: 200)], ["whatsapp"]);

    private static TemplateItem Template(string name, string language) =>
        new(1, 7, "Demo WhatsApp", "waba", name, language, "UTILITY", "positional", System.Text.Json.JsonDocument.Parse("[]").RootElement, [],
            "APPROVED", null, null, "GREEN", null, null, null, DateTime.UnixEpoch, DateTime.UnixEpoch, null);

    private (IRenderedComponent<FlowEditor> Cut, FakeCoreApi Api) Editor()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        var detail = System.Text.Json.JsonSerializer.Serialize(new FlowDetail(5, "Orders", 4,
            System.Text.Json.JsonSerializer.Serialize(Definition, System.Text.Json.JsonSerializerOptions.Web), null, null, null, false, []),
            System.Text.Json.JsonSerializerOptions.Web);
        var api = new FakeCoreApi().On(Flow, detail).On($"POST {Flow}/archive", "{}");
        api.Register(Services);
        var cut = Render<FlowEditor>(p => p.Add(e => e.ProjectId, 3).Add(e => e.FlowId, 5).Add(e => e.CanManage, true)
            .Add(e => e.Templates, [Template("order_ready", "es"), Template("order_ready", "en_US"), Template("welcome", "es")]));
        cut.WaitForAssertion(() => Assert.Equal("4", cut.Find("[data-testid=flow-editor]").GetAttribute("data-revision")));
        return (cut, api);
    }

    [Fact]
    public void Archiving_asks_first_and_only_the_confirmation_archives()
    {
        var (cut, api) = Editor();
        cut.Find("[data-testid=flow-archive]").Click();
        Assert.Contains("Archive this flow?", cut.Find("[data-testid=flow-archive-question]").TextContent);
        cut.Find("[data-testid=flow-archive-cancel]").Click();
        Assert.Empty(cut.FindAll("[data-testid=flow-archive-question]"));
        Assert.DoesNotContain($"POST {Flow}/archive", api.Requests); // the control: asking archived nothing

        cut.Find("[data-testid=flow-archive]").Click();
        cut.Find("[data-testid=flow-archive-confirm]").Click();
        cut.WaitForAssertion(() => Assert.Contains($"POST {Flow}/archive", api.Requests));
    }

    [Fact]
    public void A_template_node_suggests_the_approved_templates_and_the_chosen_ones_languages()
    {
        var (cut, _) = Editor();
        Assert.Equal(["order_ready", "welcome"], cut.FindAll("[data-testid=flow-template-options] option").Select(o => o.GetAttribute("value")));
        Assert.Equal(["en_US", "es"], cut.FindAll("[data-testid=flow-language-options] option").Select(o => o.GetAttribute("value")));
        Assert.Equal("send-templates", cut.Find("[data-testid=flow-field-template]").GetAttribute("list"));
    }
}
