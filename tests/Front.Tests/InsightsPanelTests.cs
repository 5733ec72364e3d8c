using System.Net;
using System.Text.Json;
using Bunit;
using MultichannelMessages.Front.Components.Dashboards;
using MultichannelMessages.Front.Realtime;

namespace MultichannelMessages.Front.Tests;

/// <summary>The dashboard's insights: the rules' findings worded from their kind, codes and figures in the user's
/// language, each linking to the view that shows it; the AI's, asked on demand and refreshed when the Worker says it
/// answered; and what the panel says without a provider.</summary>
public sealed class InsightsPanelTests() : ComponentTest("en")
{
    private const string Insights = "/projects/3/dashboards/insights";
    private static readonly DateOnly Today = new(2026, 12, 4);

    private static readonly Insight FirstResponse = new(InsightKinds.FirstResponseP90Up, InsightSeverities.Warning, InsightActions.ReviewStaffing,
        TileKeys.FirstResponse, new DashboardFilter(new(2026, 11, 28), Today, Channel: "instagram", Compare: true),
        new Dictionary<string, string> { ["channel"] = "instagram" },
        new Dictionary<string, double?> { ["p90_seconds"] = 1_250, ["previous_p90_seconds"] = 610, ["change_pct"] = 104.9, ["answered"] = 40 });

    private static readonly Insight Backlog = new(InsightKinds.BacklogPerAgentHigh, InsightSeverities.Critical, InsightActions.BringAgentsOnline,
        TileKeys.Backlog, new DashboardFilter(new(2026, 11, 28), Today, QueueId: 7, Compare: true),
        new Dictionary<string, string> { ["queue"] = "Billing" },
        new Dictionary<string, double?> { ["open"] = 40, ["online_agents"] = 1, ["open_per_online_agent"] = 40, ["oldest_waiting_seconds"] = 5_400 });

    private static string Result(string aiState, params Insight[] ai) => JsonSerializer.Serialize(new InsightsResult(new(2026, 11, 28), Today,
        new(2026, 11, 21), new(2026, 11, 27), [Backlog, FirstResponse], new AiInsights(aiState, null, null, null, ai), DateTime.UtcNow, null, "Europe/Madrid"),
        JsonSerializerOptions.Web);

    private (IRenderedComponent<InsightsPanel> Cut, FakeCoreApi Api, LiveFeed Feed) Panel(string result)
    {
        var api = new FakeCoreApi().When(r => r.StartsWith("GET " + Insights + "?", StringComparison.Ordinal), (_, _) => result);
        api.Register(Services);
        var feed = DetachedFeed.Register(Services);
        var cut = Render<InsightsPanel>(p => p.Add(x => x.ProjectId, 3).Add(x => x.View, new DashboardView()).Add(x => x.Today, Today));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=dash-insights]").GetAttribute("data-loaded")));
        return (cut, api, feed);
    }

    [Fact]
    public void Each_rule_insight_is_worded_from_its_figures_and_links_to_the_filtered_tile()
    {
        var (cut, api, _) = Panel(Result(AiInsightStates.Unavailable));
        Assert.Contains("from=2026-11-28&to=2026-12-04", api.Requests.Single(r => r.StartsWith("GET " + Insights, StringComparison.Ordinal)));
        var items = cut.FindAll("[data-testid=insight]");
        Assert.Equal(["backlog_per_agent_high", "first_response_p90_up"], items.Select(i => i.GetAttribute("data-kind")));
        Assert.Equal("Billing has 40 open conversations for 1 agents online (40 each); the oldest has waited 1 h 30 min.",
            items[0].QuerySelector("[data-testid=insight-text]")!.TextContent);
        Assert.Equal("First response p90 on Instagram rose 104.9 % to 20 min 50 s (it was 10 min 10 s).",
            items[1].QuerySelector("[data-testid=insight-text]")!.TextContent);
        Assert.Equal("Bring the queue's agents online.", items[0].QuerySelector("[data-testid=insight-action]")!.TextContent);
        // The same period preset, narrowed to what the insight is about, on its tile.
        Assert.Equal("/p/3/m/dashboard?queueId=7&tile=backlog", items[0].QuerySelector("[data-testid=insight-link]")!.GetAttribute("href"));
        Assert.Equal("/p/3/m/dashboard?channel=instagram&tile=first_response", items[1].QuerySelector("[data-testid=insight-link]")!.GetAttribute("href"));
        // Without a provider: the rules stand, and nothing offers to ask an AI.
        Assert.Equal("unavailable", cut.Find("[data-testid=insights-ai]").GetAttribute("data-state"));
        Assert.Empty(cut.FindAll("[data-testid=insights-ai-ask]"));
    }

    [Fact]
    public async Task The_AI_is_asked_on_demand_and_its_insights_show_when_the_feed_says_it_answered()
    {
        var (cut, api, feed) = Panel(Result(AiInsightStates.NotRequested));
        api.When(r => r.StartsWith("POST " + Insights + "/ai?", StringComparison.Ordinal), (_, _) => JsonSerializer.Serialize(
            new AiInsights(AiInsightStates.Pending, null, DateTime.UtcNow, null, []), JsonSerializerOptions.Web), HttpStatusCode.Accepted);
        cut.Find("[data-testid=insights-ai-ask]").Click();
        cut.WaitForAssertion(() => Assert.Equal("pending", cut.Find("[data-testid=insights-ai]").GetAttribute("data-state")));
        Assert.Contains(api.Requests, r => r.StartsWith("POST " + Insights + "/ai?from=2026-11-28", StringComparison.Ordinal));

        // The Worker answered: the console reads again when the feed says so.
        var ai = FirstResponse with { Kind = InsightKinds.Ai, Text = "Instagram replies slowed down since Tuesday: one agent covered the evenings." };
        var done = Result(AiInsightStates.Done, ai);
        api.When(r => r.StartsWith("GET " + Insights + "?", StringComparison.Ordinal), (_, _) => done);
        await feed.ApplyAsync(DetachedFeed.Change(1, "insights_updated", 0));
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=insights-ai]").GetAttribute("data-state")));
        var aiItem = cut.Find("[data-testid=insights-ai] [data-testid=insight]");
        Assert.Equal("Instagram replies slowed down since Tuesday: one agent covered the evenings.", aiItem.QuerySelector("[data-testid=insight-text]")!.TextContent);
        Assert.Equal("Ask the AI again", cut.Find("[data-testid=insights-ai-ask]").TextContent.Trim());
    }
}

/// <summary>The insights in Spanish: the same figures, the user's language and number format.</summary>
public sealed class InsightsPanelSpanishTests() : ComponentTest("es")
{
    [Fact]
    public void An_insight_is_worded_in_Spanish()
    {
        var api = new FakeCoreApi().When(r => r.StartsWith("GET /projects/3/dashboards/insights?", StringComparison.Ordinal), (_, _) => JsonSerializer.Serialize(new InsightsResult(new(2026, 11, 28), new(2026, 12, 4),
            new(2026, 11, 21), new(2026, 11, 27),
            [new Insight(InsightKinds.WindowExpiriesUp, InsightSeverities.Warning, InsightActions.AnswerBeforeWindowCloses, TileKeys.WindowExpiries,
                new DashboardFilter(new(2026, 11, 28), new(2026, 12, 4), Compare: true), new Dictionary<string, string>(),
                new Dictionary<string, double?> { ["expiries"] = 1_200, ["previous_expiries"] = 300, ["change_pct"] = 300 })],
            new AiInsights(AiInsightStates.Unavailable, null, null, null, []), DateTime.UtcNow, null, "Europe/Madrid"), JsonSerializerOptions.Web));
        api.Register(Services);
        DetachedFeed.Register(Services);
        var cut = Render<InsightsPanel>(p => p.Add(x => x.ProjectId, 3).Add(x => x.View, new DashboardView()).Add(x => x.Today, new DateOnly(2026, 12, 4)));
        cut.WaitForAssertion(() => Assert.Equal(
            "1.200 ventanas de 24 horas se cerraron sin que nadie respondiera al cliente (eran 300).",
            cut.Find("[data-testid=insight-text]").TextContent));
        Assert.Equal("Responde antes de que se cierre la ventana de 24 horas.", cut.Find("[data-testid=insight-action]").TextContent);
    }
}
