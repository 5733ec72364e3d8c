using System.Net;
using System.Net.Http.Json;
using MultichannelMessages.Contracts.Dashboards;
using static MultichannelMessages.CoreApi.Tests.ProblemResponses;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Dashboards through the Core API: the catalog per role, a tile's filter checked field by field, an agent held
/// to their own figures, CSV, layouts (own, a queue's published default, built in), the funnel with its revisions and
/// the command log, and one project's figures never in another's.</summary>
public sealed class DashboardApiTests(CoreHost host) : IClassFixture<CoreHost>
{
    private string Dash => $"/projects/{host.DemoProjectId}/dashboards";
    private const string Range = "from=2026-12-01&to=2026-12-07";

    [Fact]
    public async Task The_catalog_lists_every_tile_for_supervisors_and_only_an_agents_own_figures_for_agents()
    {
        var all = (await (await host.As("supervisor@demo.local")).GetFromJsonAsync<TileDefinition[]>($"{Dash}/catalog"))!;
        Assert.Equal(17, all.Length);
        Assert.All(all, t => Assert.Contains(ChartKinds.Table, t.Charts));
        Assert.Equal([TileGroups.Data, TileGroups.Information, TileGroups.Knowledge], all.Select(t => t.Group).Distinct());
        var own = (await (await host.As("agent@demo.local")).GetFromJsonAsync<TileDefinition[]>($"{Dash}/catalog"))!;
        Assert.All(own, t => Assert.Contains(FilterNames.User, t.Filters));
        Assert.DoesNotContain(own, t => t.Key == TileKeys.Delivery);
        Assert.Contains(own, t => t.Key == TileKeys.FirstResponse);
    }

    [Fact]
    public async Task A_tile_request_is_refused_naming_the_field_at_fault()
    {
        var client = await host.As("supervisor@demo.local");
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_date", "from"), await ProblemOf(await client.GetAsync($"{Dash}/tiles/conversations?to=2026-12-07")));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_date", "to"), await ProblemOf(await client.GetAsync($"{Dash}/tiles/conversations?from=2026-12-07&to=7/12/2026")));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_range", "to"), await ProblemOf(await client.GetAsync($"{Dash}/tiles/conversations?from=2026-12-07&to=2026-12-01")));
        Assert.Equal((HttpStatusCode.BadRequest, "range_too_long", "to"), await ProblemOf(await client.GetAsync($"{Dash}/tiles/conversations?from=2025-01-01&to=2026-12-01")));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_channel", "channel"), await ProblemOf(await client.GetAsync($"{Dash}/tiles/conversations?{Range}&channel=telegram")));
        Assert.Equal((HttpStatusCode.BadRequest, "unknown_tile", "key"), await ProblemOf(await client.GetAsync($"{Dash}/tiles/nope?{Range}")));
        var ok = await client.GetFromJsonAsync<TileResult>($"{Dash}/tiles/conversations?{Range}&compare=true");
        Assert.Equal(7, ok!.Rows.Length);
        Assert.Equal(["day", "opened", "resolved", "reopened"], ok.Columns.Select(c => c.Key));
        Assert.Equal((new DateOnly(2026, 11, 24), new DateOnly(2026, 11, 30), 7), (ok.PreviousFrom, ok.PreviousTo, ok.Previous!.Length));
        Assert.Equal("2026-12-01", TileResult.Text(ok.Rows[0][0]));
        Assert.Equal((double?)0, TileResult.Number(ok.Rows[0][1]));
    }

    [Fact]
    public async Task An_agent_reads_their_own_figures_only()
    {
        var agent = await host.As("agent@demo.local");
        var agentId = await host.ScalarAsync<long>("select id from core.users where email = 'agent@demo.local'");
        var devId = await host.ScalarAsync<long>("select id from core.users where email = 'dev@demo.local'");
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync($"{Dash}/tiles/first_response?{Range}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync($"{Dash}/tiles/first_response?{Range}&userId={agentId}")).StatusCode);
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden", null), await ProblemOf(await agent.GetAsync($"{Dash}/tiles/first_response?{Range}&userId={devId}")));
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden", null), await ProblemOf(await agent.GetAsync($"{Dash}/tiles/delivery?{Range}")));
        var agents = (await agent.GetFromJsonAsync<TileResult>($"{Dash}/tiles/agents?{Range}"))!;
        Assert.Equal((double?)agentId, TileResult.Number(Assert.Single(agents.Rows)[0]));
        var supervisor = (await (await host.As("supervisor@demo.local")).GetFromJsonAsync<TileResult>($"{Dash}/tiles/agents?{Range}"))!;
        Assert.True(supervisor.Rows.Length >= 4);
    }

    [Fact]
    public async Task A_tile_exports_as_csv_with_its_column_keys()
    {
        var response = await (await host.As("supervisor@demo.local")).GetAsync($"{Dash}/tiles/conversations/csv?{Range}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("day,opened,resolved,reopened", lines[0]);
        Assert.Equal("2026-12-01,0,0,0", lines[1]);
        Assert.Equal(8, lines.Length);
    }

    [Fact]
    public async Task A_layout_is_ones_own_else_the_queues_published_default_else_built_in()
    {
        var agent = await host.As("agent@demo.local");
        await agent.DeleteAsync($"{Dash}/layout");
        var builtIn = (await agent.GetFromJsonAsync<DashboardLayout>($"{Dash}/layout"))!;
        Assert.Equal("builtin", builtIn.Source);
        Assert.Contains(builtIn.Tiles, t => t.Key == TileKeys.FirstResponse);

        Assert.Equal((HttpStatusCode.BadRequest, "unknown_tile", "tiles[1].key"), await ProblemOf(await agent.PutAsJsonAsync($"{Dash}/layout",
            new DashboardLayout([new LayoutTile("conversations"), new LayoutTile("nope")]))));
        Assert.Equal((HttpStatusCode.BadRequest, "tile_not_allowed", "tiles[0].key"), await ProblemOf(await agent.PutAsJsonAsync($"{Dash}/layout",
            new DashboardLayout([new LayoutTile("delivery")]))));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_chart", "tiles[0].chart"), await ProblemOf(await agent.PutAsJsonAsync($"{Dash}/layout",
            new DashboardLayout([new LayoutTile("conversations", "m", "funnel")]))));
        Assert.Equal((HttpStatusCode.BadRequest, "duplicate_tile", "tiles[1].key"), await ProblemOf(await agent.PutAsJsonAsync($"{Dash}/layout",
            new DashboardLayout([new LayoutTile("conversations"), new LayoutTile("conversations")]))));

        // A supervisor publishes General's default: the agent (of General) sees it, without the team-only tiles.
        var supervisor = await host.As("supervisor@demo.local");
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PutAsJsonAsync($"{Dash}/queues/{host.GeneralQueueId}/default-layout",
            new DashboardLayout([new LayoutTile("conversations")]))).StatusCode);
        var published = await supervisor.PutAsJsonAsync($"{Dash}/queues/{host.GeneralQueueId}/default-layout",
            new DashboardLayout([new LayoutTile("delivery", "l"), new LayoutTile("first_response", "s", "figure")]));
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        var seen = (await agent.GetFromJsonAsync<DashboardLayout>($"{Dash}/layout"))!;
        Assert.Equal(("queue", host.GeneralQueueId), (seen.Source, seen.QueueId));
        Assert.Equal([new LayoutTile("first_response", "s", "figure")], seen.Tiles);
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from ops.command_log where action = 'dashboard.publish_queue_layout'"));

        // Their own, saved, wins.
        var saved = await agent.PutAsJsonAsync($"{Dash}/layout", new DashboardLayout([new LayoutTile("messages", "l", "bar"), new LayoutTile("conversations")]));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var own = (await agent.GetFromJsonAsync<DashboardLayout>($"{Dash}/layout"))!;
        Assert.Equal("own", own.Source);
        Assert.Equal(["messages", "conversations"], own.Tiles.Select(t => t.Key));
        Assert.Equal("builtin", (await supervisor.GetFromJsonAsync<DashboardLayout>($"{Dash}/layout?queueId=0"))!.Source);
    }

    [Fact]
    public async Task The_funnel_is_saved_over_its_revision_with_each_stage_checked_and_logged()
    {
        var admin = await host.As("admin@demo.local");
        var stages = new[] { new FunnelStage("contacted", "Contacted", "contacted"), new FunnelStage("replied", "Replied", "replied"),
                             new FunnelStage("won", "Won", "resolved") };
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_kind", "stages[1].kind"), await ProblemOf(await admin.PutAsJsonAsync($"{Dash}/funnel",
            new FunnelDefinition([stages[0], stages[1] with { Kind = "telepathy" }]))));
        Assert.Equal((HttpStatusCode.BadRequest, "tag_required", "stages[0].value"), await ProblemOf(await admin.PutAsJsonAsync($"{Dash}/funnel",
            new FunnelDefinition([new FunnelStage("vip", "VIP", "tag", "gold")]))));
        Assert.Equal((HttpStatusCode.BadRequest, "duplicate_key", "stages[1].key"), await ProblemOf(await admin.PutAsJsonAsync($"{Dash}/funnel",
            new FunnelDefinition([stages[0], stages[0]]))));
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("agent@demo.local")).PutAsJsonAsync($"{Dash}/funnel", new FunnelDefinition(stages))).StatusCode);

        var first = await admin.PutAsJsonAsync($"{Dash}/funnel", new FunnelDefinition(stages, Revision: 0));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(1, (await first.Content.ReadFromJsonAsync<FunnelDefinition>())!.Revision);
        Assert.Equal((HttpStatusCode.Conflict, "funnel_conflict", null), await ProblemOf(await admin.PutAsJsonAsync($"{Dash}/funnel",
            new FunnelDefinition(stages[..2], Revision: 0))));
        var read = (await (await host.As("agent@demo.local")).GetFromJsonAsync<FunnelDefinition>($"{Dash}/funnel"))!;
        Assert.Equal((3, 1), (read.Stages.Length, read.Revision));
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from ops.command_log where action = 'dashboard.save_funnel'"));

        var funnel = (await admin.GetFromJsonAsync<TileResult>($"{Dash}/tiles/funnel?{Range}"))!;
        Assert.Equal(["contacted", "replied", "won"], funnel.Rows.Select(r => TileResult.Text(r[0])));

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_target", "targetSeconds"), await ProblemOf(await admin.PutAsJsonAsync(
            $"{Dash}/queues/{host.GeneralQueueId}/sla", new QueueSlaRequest(5))));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync($"{Dash}/queues/{host.GeneralQueueId}/sla", new QueueSlaRequest(900))).StatusCode);
        Assert.Equal(900, await host.ScalarAsync<int>("select sla_first_response_seconds from core.queues where id = @GeneralQueueId", new { host.GeneralQueueId }));
    }

    [Fact]
    public async Task One_projects_figures_never_show_in_anothers()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var range = $"from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}";
        await host.ConversationAsync(host.DemoAccountId, "34960000001", "hola", host.GeneralQueueId);
        while (await host.ScalarAsync<int>("select ops.dash_roll(1000)") > 0) { }

        static long Opened(TileResult r) => r.Rows.Sum(row => (long)TileResult.Number(row[1])!.Value);
        var demo = (await (await host.As("supervisor@demo.local")).GetFromJsonAsync<TileResult>($"{Dash}/tiles/conversations?{range}"))!;
        Assert.True(Opened(demo) >= 1);
        var outsider = await host.As("outsider@other.local");
        var other = (await outsider.GetFromJsonAsync<TileResult>($"/projects/{host.OtherProjectId}/dashboards/tiles/conversations?{range}"))!;
        Assert.Equal(0, Opened(other));
        var messages = (await outsider.GetFromJsonAsync<TileResult>($"/projects/{host.OtherProjectId}/dashboards/tiles/messages?{range}"))!;
        Assert.Empty(messages.Rows);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"{Dash}/tiles/conversations?{range}")).StatusCode);
    }
}
