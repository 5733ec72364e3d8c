using MultichannelMessages.Migrator;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Dashboards;

/// <summary>
/// Each dashboard figure's definition (docs/dashboards.md) on a crafted history, rolled up by the Worker's pass and read
/// through the tiles' database functions; then the same figures rebuilt from history.
/// </summary>
public sealed class DashboardMetricTests
{
    private static readonly DateOnly Day1 = new(2026, 3, 2), Day2 = Day1.AddDays(1), Day3 = Day1.AddDays(2);
    private static DateTimeOffset At(DateOnly day, int hour, int minute, int second = 0) =>
        new(day.ToDateTime(new TimeOnly(hour, minute, second)), TimeSpan.Zero);

    [Fact]
    public async Task Presence_changes_are_kept_as_intervals()
    {
        var db = await WorkerDatabase.CreateAsync("dashpresence");
        var user = await new DashboardHistory(db).UserAsync("p@dash.local");
        foreach (var status in new[] { "online", "online", "away", "offline", "online" })
            await db.ExecuteAsync("select core.set_presence(@user, @status)", new { user, status });
        Assert.Equal(["online|true", "away|true", "online|false"], await db.QueryAsync<string>(
            "select status || '|' || (ended_at is not null) from core.presence_intervals where user_id = @user order by id", new { user }));
    }

    [Fact]
    public async Task The_funnel_counts_a_conversation_at_a_stage_only_when_it_reached_every_stage_before_it_by_tag_and_attribute()
    {
        var db = await WorkerDatabase.CreateAsync("dashfunnel");
        await db.ExecuteAsync("update core.projects set time_zone = 'UTC', business_hours = null where id = @ProjectId", new { db.ProjectId });
        var h = new DashboardHistory(db);
        var wa = await h.AccountAsync("whatsapp");
        var sales = await h.QueueAsync("Sales");
        long[] ids = [];
        foreach (var minute in new[] { 0, 5, 10, 15 })
        {
            var id = await h.ConversationAsync(wa, sales, At(Day1, 9, minute));
            ids = [.. ids, id];
        }
        var (a, b, c, d) = (ids[0], ids[1], ids[2], ids[3]);
        foreach (var (id, minute) in ids.Select((id, i) => (id, i * 5))) await h.InAsync(id, At(Day1, 9, minute));
        await h.ResolveAsync(a, At(Day1, 10, 0));  // a: tagged, pro, resolved: reaches every stage
        await h.ResolveAsync(d, At(Day1, 10, 0));  // d: pro and resolved, but never tagged: stops at the tag
        var lead = await db.ScalarAsync<long>("insert into chat.tags (project_id, name, color) values (@ProjectId, 'lead', '#2563eb') returning id",
            new { db.ProjectId });
        await db.ExecuteAsync("""
            insert into chat.conversation_tags (conversation_id, tag_id) select unnest(@tagged), @lead;
            update chat.contacts k set attributes = k.attributes || '{"plan":"pro"}'
            from chat.conversations c where c.contact_id = k.id and c.id = any(@pro);
            insert into ops.dash_funnels (project_id, stages) values (@ProjectId, jsonb_build_array(
              jsonb_build_object('key', 'contacted', 'label', 'Contacted', 'kind', 'contacted'),
              jsonb_build_object('key', 'lead', 'label', 'Lead', 'kind', 'tag', 'value', @lead::text),
              jsonb_build_object('key', 'pro', 'label', 'Pro', 'kind', 'attribute', 'value', 'plan=pro'),
              jsonb_build_object('key', 'won', 'label', 'Won', 'kind', 'resolved')))
            """, new { tagged = new[] { a, b, c }, lead, pro = new[] { a, b, d }, db.ProjectId });

        await h.RollAsync();

        // Contacted 4; tagged a, b, c; of those, pro a and b (d is pro but untagged); of those, only a resolved.
        Assert.Equal(["contacted|Contacted|4|∅|100", "lead|Lead|3|75|75", "pro|Pro|2|66.7|50", "won|Won|1|50|25"],
            await h.TileAsync("funnel", Day1, Day1));
    }

    [Fact]
    public async Task Every_figure_follows_its_definition_on_a_crafted_history_and_a_rebuild_gives_the_same_figures()
    {
        var db = await WorkerDatabase.CreateAsync("dashmetrics");
        await db.ExecuteAsync("update core.projects set time_zone = 'UTC', business_hours = null where id = @ProjectId", new { db.ProjectId });
        var h = new DashboardHistory(db);
        var (wa, ms) = (await h.AccountAsync("whatsapp"), await h.AccountAsync("messenger"));
        var (sales, support) = (await h.QueueAsync("Sales"), await h.QueueAsync("Support"));
        var (u1, u2) = (await h.UserAsync("u1@dash.local"), await h.UserAsync("u2@dash.local"));
        var (ai, flow) = (await h.AiAgentAsync(), await h.FlowAsync());
        const long campaign = 424242; // a campaign's messages name it in their payload

        // A: answered by U1 in 10 min, resolved at 10:00; the customer comes back the next day and nobody answers.
        var a = await h.ConversationAsync(wa, sales, At(Day1, 9, 0));
        await h.InAsync(a, At(Day1, 9, 0));
        await h.OutAsync(a, At(Day1, 9, 10), userId: u1);
        await h.InAsync(a, At(Day1, 9, 20));
        await h.OutAsync(a, At(Day1, 9, 25), userId: u1);
        await h.ResolveAsync(a, At(Day1, 10, 0), u1);
        await h.InAsync(a, At(Day2, 8, 0));
        await h.EventAsync(a, "reopened", At(Day2, 8, 0));
        // B: the AI agent answers in a minute and resolves alone.
        var b = await h.ConversationAsync(wa, sales, At(Day1, 9, 0));
        await h.InAsync(b, At(Day1, 9, 0));
        await h.OutAsync(b, At(Day1, 9, 1), aiAgentId: ai);
        await h.ResolveAsync(b, At(Day1, 9, 30));
        // C (Messenger): the bot answers in 30 s and hands off; U2 answers and resolves at 11:00.
        var c = await h.ConversationAsync(ms, support, At(Day1, 9, 0));
        await h.InAsync(c, At(Day1, 9, 0));
        await h.OutAsync(c, At(Day1, 9, 0, 30), flowId: flow);
        await h.HandoffAsync(c, At(Day1, 9, 0, 40), "bot", "handoff_node");
        await h.OutAsync(c, At(Day1, 9, 20), userId: u2);
        await h.ResolveAsync(c, At(Day1, 11, 0), u2);
        // D: two customer messages nobody answers.
        var d = await h.ConversationAsync(wa, support, At(Day1, 12, 0));
        await h.InAsync(d, At(Day1, 12, 0));
        await h.InAsync(d, At(Day1, 13, 0));
        // E: a campaign message, the customer replies, U1 answers 15 min later.
        var e = await h.ConversationAsync(wa, sales, At(Day1, 8, 0));
        await h.OutAsync(e, At(Day1, 8, 0), campaignId: campaign);
        await h.InAsync(e, At(Day1, 8, 30));
        await h.OutAsync(e, At(Day1, 8, 45), userId: u1);
        // Statuses Meta reported on the WhatsApp number.
        foreach (var s in new[] { "delivered", "delivered", "delivered", "read", "read" }) await h.StatusAsync(wa, At(Day1, 10, 0), s);
        await h.StatusAsync(wa, At(Day1, 10, 0), "failed", 131047);
        // U1 online 08:00–12:00 and away 12:00–12:30; U2's console went away at 10:00 while online (open interval, last
        // seen 10:00: it counts until 10:02).
        await db.ExecuteAsync("""
            insert into core.presence_intervals (user_id, status, started_at, ended_at) values
                (@u1, 'online', (@d1 + time '08:00') at time zone 'UTC', (@d1 + time '12:00') at time zone 'UTC'), (@u1, 'away', (@d1 + time '12:00') at time zone 'UTC', (@d1 + time '12:30') at time zone 'UTC'),
                (@u2, 'online', (@d1 + time '09:00') at time zone 'UTC', null);
            insert into core.presence (user_id, status, changed_at, last_seen_at) values (@u2, 'online', (@d1 + time '09:00') at time zone 'UTC', (@d1 + time '10:00') at time zone 'UTC');
            """, new { u1, u2, d1 = Day1.ToDateTime(TimeOnly.MinValue) });
        await db.ExecuteAsync("""
            insert into ops.dash_funnels (project_id, stages) values (@ProjectId,
              '[{"key":"contacted","label":"Contacted","kind":"contacted"},{"key":"replied","label":"Replied","kind":"replied"},
                {"key":"won","label":"Won","kind":"resolved"}]')
            """, new { db.ProjectId });

        await h.RollAsync();

        Assert.Equal(["2026-03-02|5|3|0", "2026-03-03|1|0|1", "2026-03-04|0|0|0"], await h.TileAsync("conversations", Day1, Day3));
        // First responses 30 (bot), 60 (AI), 600, 900 s: median 330, p90 810; wall-clock = business without business hours.
        Assert.Equal(["330|810|330|810|4"], await h.TileAsync("first_response", Day1, Day3));
        // Resolutions 1800, 3600, 7200 s.
        Assert.Equal(["3600|6480|3600|6480|3"], await h.TileAsync("resolution", Day1, Day3));
        Assert.Equal(["2026-03-02|0", "2026-03-03|1", "2026-03-04|1"], await h.TileAsync("window_expiries", Day1, Day3));
        Assert.Equal([
            "2026-03-02|messenger|bot|1", "2026-03-02|messenger|customer|1", "2026-03-02|messenger|person|1",
            "2026-03-02|whatsapp|ai|1", "2026-03-02|whatsapp|campaign|1", "2026-03-02|whatsapp|customer|6", "2026-03-02|whatsapp|person|3",
            "2026-03-03|whatsapp|customer|1",
        ], await h.TileAsync("messages", Day1, Day3));
        Assert.Equal(["ai|1|1|1|100", "bot|1|1|0|0"], await h.TileAsync("containment", Day1, Day3));
        Assert.Equal(["bot:handoff_node|1"], await h.TileAsync("handoff_reasons", Day1, Day3));
        // Sales: A (600), B (60), E (900) answered within the hour; A's second episode unanswered past it.
        Assert.Equal([$"{sales}|Sales|3600|3|3|75", $"{support}|Support|3600|1|1|50"], await h.TileAsync("sla", Day1, Day3));
        Assert.Equal(["messenger|2|0|0|0|0|0|0", "whatsapp|5|3|2|1|60|40|20"], await h.TileAsync("delivery", Day1, Day1));
        Assert.Equal(["whatsapp|5|3|2|1|60|40|20"], await h.TileAsync("delivery", Day1, Day1, channel: "whatsapp"));
        Assert.Equal(["131047|1"], await h.TileAsync("failures", Day1, Day3));
        Assert.Equal(["contacted|Contacted|5|∅|100", "replied|Replied|5|100|100", "won|Won|3|60|60"], await h.TileAsync("funnel", Day1, Day3));
        Assert.Equal(["instagram|0|0|0|0|∅|∅|∅", "messenger|1|1|1|2|30|7200|0", "whatsapp|5|2|7|5|600|2700|60"],
            await h.TileAsync("channels", Day1, Day3));
        var agents = await h.TileAsync("agents", Day1, Day3);
        Assert.Contains($"{u1}|u1@dash.local|2|3|750|14400|1800", agents);
        Assert.Contains($"{u2}|u2@dash.local|1|1|∅|3720|0", agents);
        // The agent filter: U1's own figures.
        Assert.Equal(["2026-03-02|2|1|0", "2026-03-03|0|0|0", "2026-03-04|0|0|0"], await h.TileAsync("conversations", Day1, Day3, userId: u1));
        Assert.Equal(["2026-03-02|whatsapp|person|3"], await h.TileAsync("messages", Day1, Day3, userId: u1));
        // The queue filter.
        Assert.Equal(["600|840|600|840|3"], await h.TileAsync("first_response", Day1, Day3, queueId: sales));

        // The figures above were read from the cube (no filter or one); the facts give the same rows for every tile and
        // single filter (the percentiles too: here each histogram bucket holds one value).
        string[] singleFilters = [$"{wa}, null, null, null, null, null, null", "null, 'messenger', null, null, null, null, null",
            $"null, null, {sales}, null, null, null, null", $"null, null, null, {u1}, null, null, null",
            $"null, null, null, null, {campaign}, null, null", $"null, null, null, null, null, {flow}, null",
            $"null, null, null, null, null, null, {ai}",
            // an account with its own channel is the account's slice; with another channel, a slice that holds nothing
            $"{wa}, 'whatsapp', null, null, null, null, null", $"{wa}, 'messenger', null, null, null, null, null"];
        Assert.Empty(await h.CubeDifferencesAsync(Day1, Day3, singleFilters));
        Assert.Equal([$"(1,{wa})", "(2,0)", "(,)"], await db.QueryAsync<string>("""
            select ops.dash_dim(@wa, 'whatsapp', null, null, null, null, null)::text union all
            select ops.dash_dim(@wa, 'messenger', null, null, null, null, null)::text union all
            select ops.dash_dim(@wa, 'whatsapp', @sales, null, null, null, null)::text
            """, new { wa, sales }));
        // Two filters read the facts.
        Assert.Equal(["2026-03-02|whatsapp|person|3"], await h.TileAsync("messages", Day1, Day3, queueId: sales, userId: u1));

        var live = await h.SnapshotAsync();
        Assert.Contains(live, row => row.StartsWith("c ", StringComparison.Ordinal));
        // The cube derived from the rollups and facts (an upgraded installation's first pass) is the one kept live.
        await db.ExecuteAsync("select ops.dash_cube_derive(@ProjectId, array['messages', 'statuses', 'episodes'])", new { db.ProjectId });
        Assert.Equal(live, await h.SnapshotAsync());
        await using var source = db.CreateDataSource();
        await RebuildRollupsCommand.RebuildAsync(source, db.ProjectId, TextWriter.Null, CancellationToken.None);
        Assert.Equal(live, await h.SnapshotAsync());
        await RebuildRollupsCommand.RebuildAsync(source, db.ProjectId, TextWriter.Null, CancellationToken.None);
        Assert.Equal(live, await h.SnapshotAsync());

        // A queue's SLA target changes: its within-target counts are recounted. Sales at 5 min: only B (60 s) within, and
        // A's unanswered second episode past it: 1 of 4.
        Assert.Equal([null], await db.QueryAsync<string?>("select ops.dash_set_queue_sla(@ProjectId, @sales, 300, @u1)", new { db.ProjectId, sales, u1 }));
        Assert.Equal([$"{sales}|Sales|300|3|1|25", $"{support}|Support|3600|1|1|50"], await h.TileAsync("sla", Day1, Day3));
        Assert.Empty(await h.CubeDifferencesAsync(Day1, Day3, singleFilters));
        var recounted = await h.SnapshotAsync();
        await RebuildRollupsCommand.RebuildAsync(source, db.ProjectId, TextWriter.Null, CancellationToken.None);
        Assert.Equal(recounted, await h.SnapshotAsync());
    }
}
