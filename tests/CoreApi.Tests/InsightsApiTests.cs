using System.Net;
using System.Net.Http.Json;
using MultichannelMessages.Contracts.Dashboards;
using static MultichannelMessages.CoreApi.Tests.ProblemResponses;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Insights through the Core API (docs/dashboards.md § Insights): the rules' insights for a filter with the
/// link each carries, the AI's state beside them, asking for AI insights (refused without a provider, queued once with
/// one), read_all only, and one project's insights and runs never in another's.</summary>
public sealed class InsightsApiTests(CoreHost host) : IClassFixture<CoreHost>
{
    private string Dash => $"/projects/{host.DemoProjectId}/dashboards";
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);
    private static readonly string Range = $"from={Today.AddDays(-6):yyyy-MM-dd}&to={Today:yyyy-MM-dd}";

    /// <summary>Twelve open conversations in General and nobody online: the backlog rule's finding, now.</summary>
    private async Task BacklogAsync()
    {
        if (await host.ScalarAsync<long>("select count(*) from chat.conversations where queue_id = @q and status = 'open'", new { q = host.GeneralQueueId }) >= 12)
            return;
        for (var i = 0; i < 12; i++) await host.ConversationAsync(host.DemoAccountId, $"3496100{i:D4}", "hola", host.GeneralQueueId);
        await host.ScalarAsync<int>("update core.presence set status = 'offline'");
    }

    [Fact]
    public async Task A_supervisor_reads_the_rules_insights_each_with_the_filtered_view_that_shows_it()
    {
        await BacklogAsync();
        var result = (await (await host.As("supervisor@demo.local")).GetFromJsonAsync<InsightsResult>($"{Dash}/insights?{Range}"))!;

        var backlog = Assert.Single(result.Insights, i => i.Kind == InsightKinds.BacklogPerAgentHigh);
        Assert.Equal((InsightSeverities.Critical, InsightActions.BringAgentsOnline, TileKeys.Backlog),
            (backlog.Severity, backlog.Action, backlog.Tile));
        Assert.Equal(host.GeneralQueueId, backlog.Filter.QueueId);
        Assert.Equal((Today.AddDays(-6), Today, true), (backlog.Filter.From, backlog.Filter.To, backlog.Filter.Compare));
        Assert.Equal("General", backlog.Codes["queue"]);
        Assert.True(backlog.Figures["open"] >= 12);
        Assert.Equal(0, backlog.Figures["online_agents"]);
        Assert.Null(backlog.Text);
        Assert.Equal((Today.AddDays(-13), Today.AddDays(-7)), (result.PreviousFrom, result.PreviousTo));
        Assert.Equal(AiInsightStates.Unavailable, result.Ai.State);
        Assert.Empty(result.Ai.Insights);

        // Narrowed to another queue, the finding is not there.
        var other = (await (await host.As("supervisor@demo.local")).GetFromJsonAsync<InsightsResult>($"{Dash}/insights?{Range}&queueId=999999"))!;
        Assert.DoesNotContain(other.Insights, i => i.Kind == InsightKinds.BacklogPerAgentHigh);
    }

    [Fact]
    public async Task Insights_need_read_all_and_a_valid_filter()
    {
        var agent = await host.As("agent@demo.local");
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync($"{Dash}/insights?{Range}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsync($"{Dash}/insights/ai?{Range}", null)).StatusCode);
        var supervisor = await host.As("supervisor@demo.local");
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_date", "from"), await ProblemOf(await supervisor.GetAsync($"{Dash}/insights?to=2026-12-07")));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_channel", "channel"),
            await ProblemOf(await supervisor.GetAsync($"{Dash}/insights?{Range}&channel=telegram")));
    }

    [Fact]
    public async Task Asking_for_AI_insights_is_refused_without_a_provider_and_queued_once_with_one()
    {
        var supervisor = await host.As("supervisor@demo.local");
        var range = $"from={Today.AddDays(-30):yyyy-MM-dd}&to={Today.AddDays(-24):yyyy-MM-dd}&channel=whatsapp";
        Assert.Equal((HttpStatusCode.Conflict, "ai_not_configured", null), await ProblemOf(await supervisor.PostAsync($"{Dash}/insights/ai?{range}", null)));

        await host.ScalarAsync<int>("""
            insert into bot.ai_providers (project_id, base_url, chat_model) values (@DemoProjectId, 'http://127.0.0.1:9/v1', 'gpt-4o-mini')
            on conflict (project_id) do update set enabled = true
            """, new { host.DemoProjectId });
        try
        {
            Assert.Equal(AiInsightStates.NotRequested,
                (await supervisor.GetFromJsonAsync<InsightsResult>($"{Dash}/insights?{range}"))!.Ai.State);
            var asked = await supervisor.PostAsync($"{Dash}/insights/ai?{range}", null);
            Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
            Assert.Equal(AiInsightStates.Pending, (await asked.Content.ReadFromJsonAsync<AiInsights>())!.State);
            Assert.Equal(HttpStatusCode.Accepted, (await supervisor.PostAsync($"{Dash}/insights/ai?{range}", null)).StatusCode);
            var read = (await supervisor.GetFromJsonAsync<InsightsResult>($"{Dash}/insights?{range}"))!;
            Assert.Equal(AiInsightStates.Pending, read.Ai.State);
            Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from ops.dash_insight_runs where project_id = @DemoProjectId and filter->>'channel' = 'whatsapp'",
                new { host.DemoProjectId }));

            // The other project's admin neither reads nor asks for the demo project's insights, and their own show none of its.
            var outsider = await host.As("outsider@other.local");
            Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"{Dash}/insights?{range}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await outsider.PostAsync($"{Dash}/insights/ai?{range}", null)).StatusCode);
            var own = (await outsider.GetFromJsonAsync<InsightsResult>($"/projects/{host.OtherProjectId}/dashboards/insights?{range}"))!;
            Assert.Equal(AiInsightStates.Unavailable, own.Ai.State);
            await BacklogAsync();
            var ownNow = (await outsider.GetFromJsonAsync<InsightsResult>($"/projects/{host.OtherProjectId}/dashboards/insights?{Range}"))!;
            Assert.DoesNotContain(ownNow.Insights, i => i.Kind == InsightKinds.BacklogPerAgentHigh);
        }
        finally
        {
            await host.ScalarAsync<int>("update bot.ai_providers set enabled = false where project_id = @DemoProjectId", new { host.DemoProjectId });
        }
    }
}
