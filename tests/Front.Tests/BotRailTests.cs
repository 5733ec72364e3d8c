using Bunit;
using MultichannelMessages.Contracts.Bots;
using MultichannelMessages.Front.Components.Bots;
using MultichannelMessages.Front.Components.Charts;
using MultichannelMessages.Front.Components.Work;
using MultichannelMessages.Front.CoreApi;
using MultichannelMessages.Front.Realtime;

namespace MultichannelMessages.Front.Tests;

/// <summary>Issue 15 in the conversation: the rail's chatbot panel (where the session is, who stopped it and why, the
/// answers it saved, stop and hand back, live on bot_changed), and the analytics tab's charts as data.</summary>
public sealed class BotRailTests : ComponentTest
{
    private const string Route = "/projects/3/conversations/7/bot";

    private static ProjectItem Project(bool moduleOn, params string[] permissions) =>
        new(3, "Demo", "agent", permissions, [new ModuleItem("chatbots", moduleOn)]);

    private static string Bot(string status, string? node = "menu", string? reason = null, string? by = null) => $$"""
        {"conversationId":7,"status":"{{status}}","sessionId":{{(status == "none" ? "null" : "12")}},"flowId":5,"flowName":{{(status == "none" ? "null" : "\"Demo menu\"")}},
         "version":{{(status == "none" ? "null" : "2")}},"nodeId":{{(node is null ? "null" : $"\"{node}\"")}},"reason":{{(reason is null ? "null" : $"\"{reason}\"")}},
         "startedAt":"2026-12-04T10:00:00Z","expiresAt":null,"changedAt":"2026-12-04T10:05:00Z","changedByName":{{(by is null ? "null" : $"\"{by}\"")}},
         "variables":"{\"topic\":\"orders\"}"}
        """;

    private LiveFeed Feed() => DetachedFeed.Register(Services);

    private IRenderedComponent<BotStatePanel> Panel(ProjectItem project) =>
        Render<BotStatePanel>(p => p.Add(a => a.ConversationId, 7).Add(a => a.Project, project));

    [Fact]
    public void A_running_session_shows_its_flow_node_and_answers_and_a_supervisor_stops_it_and_hands_it_back()
    {
        var api = new FakeCoreApi().On(Route, Bot("active")).On("PUT " + Route, Bot("off", reason: "turned_off", by: "Sam Supervisor"));
        api.Register(Services);
        Feed();
        var cut = Panel(Project(true, BotPermission.Read, BotPermission.Control));
        cut.WaitForAssertion(() => Assert.Equal("active", cut.Find("[data-testid=rail-bot]").GetAttribute("data-status")));
        Assert.Equal("Running", cut.Find("[data-testid=bot-status]").TextContent);
        Assert.Equal("Demo menu v2", cut.Find("[data-testid=bot-flow]").TextContent);
        Assert.Equal("Waiting at menu", cut.Find("[data-testid=bot-node]").TextContent);
        Assert.Equal("orders", cut.Find("[data-testid=bot-variable][data-key=topic]").TextContent);

        cut.Find("[data-testid=bot-stop]").Click();
        cut.WaitForAssertion(() => Assert.Equal("Stopped", cut.Find("[data-testid=bot-status]").TextContent));
        Assert.Equal("""{"state":"off"}""", api.Bodies[api.Requests.IndexOf("PUT " + Route)]);
        Assert.StartsWith("turned off · Sam Supervisor", cut.Find("[data-testid=bot-reason]").TextContent.Trim());

        api.On("PUT " + Route, """{"code":"ai_active","detail":"x"}""", System.Net.HttpStatusCode.Conflict);
        cut.Find("[data-testid=bot-hand-back]").Click();
        cut.WaitForAssertion(() => Assert.StartsWith("An AI agent is answering this conversation", cut.Find("[data-testid=bot-error]").TextContent));
    }

    [Fact]
    public void An_agent_reads_the_bot_without_controls_and_without_the_module_a_conversation_no_flow_ran_in_shows_nothing()
    {
        var api = new FakeCoreApi().On(Route, Bot("off", reason: "person_replied", by: "Ana Agent"));
        api.Register(Services);
        Feed();
        var agent = Panel(Project(true, BotPermission.Read));
        agent.WaitForAssertion(() => Assert.StartsWith("a person replied · Ana Agent", agent.Find("[data-testid=bot-reason]").TextContent.Trim()));
        Assert.Empty(agent.FindAll("[data-testid=bot-hand-back]"));
        Assert.Empty(agent.FindAll("[data-testid=bot-node]"));

        api.On(Route, Bot("none", node: null));
        var off = Panel(Project(false, BotPermission.Read));
        off.WaitForAssertion(() => Assert.Equal(2, api.Requests.Count));
        Assert.Empty(off.FindAll("[data-testid=rail-bot]"));
        var on = Panel(Project(true, BotPermission.Read, BotPermission.Control));
        on.WaitForAssertion(() => Assert.Equal("No chatbot", on.Find("[data-testid=bot-status]").TextContent));
        Assert.Empty(on.FindAll("[data-testid=bot-hand-back]"));

        var blind = Panel(Project(true));
        Assert.Empty(blind.FindAll("[data-testid=rail-bot]"));
        Assert.Equal(3, api.Requests.Count);
    }

    [Fact]
    public async Task A_bot_change_of_this_conversation_is_read_live_and_another_conversations_is_not()
    {
        var api = new FakeCoreApi().On(Route, Bot("active"));
        api.Register(Services);
        var feed = Feed();
        var cut = Panel(Project(true, BotPermission.Read));
        cut.WaitForAssertion(() => Assert.Equal("active", cut.Find("[data-testid=rail-bot]").GetAttribute("data-status")));

        api.On(Route, Bot("handed_off", reason: "flow_handoff"));
        await feed.ApplyAsync(DetachedFeed.Change(300, "bot_changed", 8));
        Assert.Equal("active", cut.Find("[data-testid=rail-bot]").GetAttribute("data-status"));
        await feed.ApplyAsync(DetachedFeed.Change(301, "bot_changed", 7));
        cut.WaitForAssertion(() => Assert.Equal("handed_off", cut.Find("[data-testid=rail-bot]").GetAttribute("data-status")));
        Assert.StartsWith("the flow handed off", cut.Find("[data-testid=bot-reason]").TextContent.Trim());
    }

    [Fact]
    public void Analytics_bars_are_the_outcomes_in_order_with_the_themes_colours_and_the_dropped_nodes_most_first()
    {
        var analytics = new FlowAnalytics(5, DateTime.UtcNow.AddDays(-7), DateTime.UtcNow, 10, 4, 3, 1, 1, 0, 1,
            [new FlowNodeCount("ask_order", 2), new FlowNodeCount("menu", 1)]);
        Assert.Equal([("completed", 4L), ("handed_off", 3L), ("expired", 1L), ("off", 1L), ("failed", 0L), ("active", 1L)], FlowCharts.Outcomes(analytics));
        var outcomes = (Plotly.Blazor.Traces.Bar)Assert.Single(FlowCharts.OutcomeBars(analytics, ChartTheme.Light, k => k).Traces);
        // Drawn bottom-up: the first outcome is the top bar.
        Assert.Equal("bots.analytics.completed", outcomes.Y[^1]);
        Assert.Equal(ChartTheme.Light.Ok, (string)outcomes.Marker.ColorArray[^1]);
        var dropped = (Plotly.Blazor.Traces.Bar)Assert.Single(FlowCharts.DroppedBars(analytics, ChartTheme.Dark).Traces);
        Assert.Equal(["menu", "ask_order"], dropped.Y.Cast<string>());
        Assert.Equal([1L, 2L], dropped.X.Cast<long>());
    }

    [Fact]
    public void A_nodes_links_are_read_set_and_retargeted_by_key()
    {
        var node = new FlowNode("menu", "choice", Choices: [new FlowChoice("a", "A", "x"), new FlowChoice("b", "B", "")], Fallback: "x");
        Assert.Equal([("choice:0", "x"), ("choice:1", null), ("fallback", "x")], FlowLinks.Of(node).Select(l => (l.Key, l.Target)));
        var set = FlowLinks.Set(node, "choice:1", "y");
        Assert.Equal("y", set.Choices![1].Next);
        Assert.Same(node, FlowLinks.Set(node, "choice:9", "y"));
        var moved = FlowLinks.Retarget(set, "x", "z");
        Assert.Equal(("z", "y", "z"), (moved.Choices![0].Next, moved.Choices[1].Next, moved.Fallback));
        var condition = new FlowNode("c", "condition", Conditions: [new FlowCondition("in_hours", "open")], Else: "closed");
        Assert.Equal(["condition:0", "else"], FlowLinks.Of(condition).Select(l => l.Key));
        Assert.Empty(FlowLinks.Of(new FlowNode("end", "end")));
    }
}
