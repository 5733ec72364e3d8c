using MultichannelMessages.Migrator;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Dashboards;

/// <summary>
/// The funnel read from the cube (docs/dashboards.md "The funnel"): each conversation counted once in a period, in every
/// slice, by its first episode there; its reach following its tags, attributes, campaign replies and flow outcomes as
/// they change; a saved funnel read from the facts until the rollup pass has recounted it. Every figure is compared with
/// the funnel computed from the facts alone.
/// </summary>
public sealed class DashboardFunnelTests
{
    private static readonly DateOnly Day1 = new(2026, 3, 2), Day2 = Day1.AddDays(1), Day3 = Day1.AddDays(2);
    private static DateTimeOffset At(DateOnly day, int hour, int minute = 0) => new(day.ToDateTime(new TimeOnly(hour, minute)), TimeSpan.Zero);

    private static async Task<(WorkerDatabase Db, DashboardHistory H)> HistoryAsync(string name)
    {
        var db = await WorkerDatabase.CreateAsync(name);
        await db.ExecuteAsync("update core.projects set time_zone = 'UTC', business_hours = null where id = @ProjectId", new { db.ProjectId });
        return (db, new DashboardHistory(db));
    }

    private static Task<long> TagAsync(WorkerDatabase db, string name) => db.ScalarAsync<long>(
        "insert into chat.tags (project_id, name, color) values (@ProjectId, @name, '#2563eb') returning id", new { db.ProjectId, name });

    /// <summary>The stage counts only ("key:n,key:n"), from the tile.</summary>
    private static async Task<string> CountsAsync(DashboardHistory h, DateOnly from, DateOnly to, string filter = DashboardHistory.NoFilter) =>
        string.Join(",", (await h.FunnelAsync(from, to, filter)).Select(r => r.Trim('(', ')').Split(',') is var p ? p[0] + ":" + p[2] : ""));

    [Fact]
    public async Task A_conversation_is_counted_once_in_a_period_by_its_first_episode_there_in_every_slice()
    {
        var (db, h) = await HistoryAsync("funnel_once");
        var wa = await h.AccountAsync("whatsapp");
        var (a, b) = (await h.QueueAsync("A"), await h.QueueAsync("B"));
        var won = await TagAsync(db, "won");
        await db.ExecuteAsync("""
            insert into ops.dash_funnels (project_id, stages) values (@ProjectId, jsonb_build_array(
              jsonb_build_object('key', 'contacted', 'label', 'Contacted', 'kind', 'contacted'),
              jsonb_build_object('key', 'replied', 'label', 'Replied', 'kind', 'replied'),
              jsonb_build_object('key', 'won', 'label', 'Won', 'kind', 'tag', 'value', @won::text)))
            """, new { db.ProjectId, won });

        // X: three episodes, in queue A on day 1, B on day 2 and A again on day 3; the customer writes; tagged won.
        var x = await h.ConversationAsync(wa, a, At(Day1, 9));
        await h.InAsync(x, At(Day1, 9));
        await h.ResolveAsync(x, At(Day1, 10));
        await db.ExecuteAsync("update chat.conversations set queue_id = @b where id = @x", new { b, x });
        await h.InAsync(x, At(Day2, 9));
        await h.ResolveAsync(x, At(Day2, 10));
        await db.ExecuteAsync("update chat.conversations set queue_id = @a where id = @x", new { a, x });
        await h.InAsync(x, At(Day3, 9));
        await db.ExecuteAsync("insert into chat.conversation_tags (conversation_id, tag_id) values (@x, @won)", new { x, won });
        // Y: one episode in B on day 2, written to by an agent only (never replied).
        var y = await h.ConversationAsync(wa, b, At(Day2, 11));
        await h.OutAsync(y, At(Day2, 11));
        await h.RollAsync();

        Assert.Equal([1, 2, 3], await db.QueryAsync<int>("select seq from ops.dash_episodes where conversation_id = @x order by seq", new { x }));
        Assert.Equal("contacted:2,replied:1,won:1", await CountsAsync(h, Day1, Day3));
        Assert.Equal("contacted:2,replied:1,won:1", await CountsAsync(h, Day2, Day3));
        Assert.Equal("contacted:1,replied:1,won:1", await CountsAsync(h, Day3, Day3));
        // Queue A: X by day 1 (day 3's episode has day 1 before it); from day 2, by day 3 (the episode in B is not A's).
        Assert.Equal("contacted:1,replied:1,won:1", await CountsAsync(h, Day1, Day3, $"null, null, {a}, null, null, null, null"));
        Assert.Equal("contacted:1,replied:1,won:1", await CountsAsync(h, Day2, Day3, $"null, null, {a}, null, null, null, null"));
        Assert.Equal("contacted:2,replied:1,won:1", await CountsAsync(h, Day1, Day3, $"null, null, {b}, null, null, null, null"));
        Assert.Equal("contacted:0,replied:0,won:0", await CountsAsync(h, Day3, Day3, $"null, null, {b}, null, null, null, null"));

        // The cube gives what the facts give, for every period of these days and each filter; and the reaches kept give
        // what the stages' facts give.
        string[] filters = [DashboardHistory.NoFilter, $"{wa}, null, null, null, null, null, null", "null, 'whatsapp', null, null, null, null, null",
            $"null, null, {a}, null, null, null, null", $"null, null, {b}, null, null, null, null", $"{wa}, null, {a}, null, null, null, null"];
        foreach (var (from, to) in new[] { (Day1, Day1), (Day1, Day2), (Day1, Day3), (Day2, Day2), (Day2, Day3), (Day3, Day3) })
            foreach (var filter in filters)
                Assert.Equal(await h.FunnelRecomputedAsync(from, to, filter), await h.FunnelAsync(from, to, filter));
        Assert.Empty(await h.CubeDifferencesAsync(Day1, Day3, filters[1..^1]));
        // Two filters read the facts, with the reaches kept.
        Assert.Equal("contacted:1,replied:1,won:1", await CountsAsync(h, Day2, Day3, $"{wa}, null, {a}, null, null, null, null"));
    }

    [Fact]
    public async Task A_reach_follows_tags_attributes_campaign_replies_and_flow_outcomes_and_a_saved_funnel_is_recounted()
    {
        var (db, h) = await HistoryAsync("funnel_moves");
        var wa = await h.AccountAsync("whatsapp");
        var lead = await TagAsync(db, "lead");
        var flow = await h.FlowAsync();
        await db.ExecuteAsync("""
            insert into ops.dash_funnels (project_id, stages) values (@ProjectId, jsonb_build_array(
              jsonb_build_object('key', 'contacted', 'label', 'Contacted', 'kind', 'contacted'),
              jsonb_build_object('key', 'lead', 'label', 'Lead', 'kind', 'tag', 'value', @lead::text),
              jsonb_build_object('key', 'pro', 'label', 'Pro', 'kind', 'attribute', 'value', 'plan=pro'),
              jsonb_build_object('key', 'campaign', 'label', 'Campaign reply', 'kind', 'campaign_reply'),
              jsonb_build_object('key', 'bot', 'label', 'Bot done', 'kind', 'bot_outcome', 'value', 'completed')))
            """, new { db.ProjectId, lead });
        var z = await h.ConversationAsync(wa, null, At(Day1, 9));
        await h.InAsync(z, At(Day1, 9));
        var other = await h.ConversationAsync(wa, null, At(Day1, 10));
        await h.InAsync(other, At(Day1, 10));
        await h.RollAsync();
        Assert.Equal("contacted:2,lead:0,pro:0,campaign:0,bot:0", await CountsAsync(h, Day1, Day1));

        async Task Expect(string counts)
        {
            var pushes = await db.ScalarAsync<long>("select count(*) from ops.change_feed where kind = 'dashboards_updated'");
            await h.RollAsync();
            Assert.Equal(counts, await CountsAsync(h, Day1, Day1));
            Assert.Equal(await h.FunnelRecomputedAsync(Day1, Day1), await h.FunnelAsync(Day1, Day1));
            Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.dash_funnel_dirty"));
            // the consoles showing the project's dashboards are told
            Assert.True(await db.ScalarAsync<long>("select count(*) from ops.change_feed where kind = 'dashboards_updated'") > pushes);
        }

        await db.ExecuteAsync("insert into chat.conversation_tags (conversation_id, tag_id) values (@z, @lead)", new { z, lead });
        await Expect("contacted:2,lead:1,pro:0,campaign:0,bot:0");
        await db.ExecuteAsync("""
            update chat.contacts k set attributes = k.attributes || '{"plan":"pro"}' from chat.conversations c where c.contact_id = k.id and c.id = @z
            """, new { z });
        await Expect("contacted:2,lead:1,pro:1,campaign:0,bot:0");
        // A campaign message the customer replied to.
        await db.ExecuteAsync("""
            with a as (select id, project_id, waba_id from meta.accounts where id = @wa),
            t as (insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
                  select a.project_id, a.id, a.waba_id, 'funnel_' || replace(gen_random_uuid()::text, '-', '_'), 'en', 'MARKETING',
                         '[{"type":"BODY","text":"Sale"}]', 'APPROVED' from a returning id, project_id, account_id),
            c as (insert into mass.campaigns (project_id, account_id, template_id, name, status, started_at)
                  select project_id, account_id, id, 'Funnel', 'sending', now() from t returning id, project_id, template_id),
            r as (insert into mass.recipients (campaign_id, project_id, source, wa_id, template_id, status, conversation_id)
                  select c.id, c.project_id, 'csv', '34600000001', c.template_id, 'read', @z from c returning id)
            select count(*) from r
            """, new { wa, z });
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.dash_funnel_dirty"));
        await db.ExecuteAsync("update mass.recipients set replied_at = now() where conversation_id = @z", new { z });
        await Expect("contacted:2,lead:1,pro:1,campaign:1,bot:0");
        // A flow session of the conversation that completed.
        await db.ExecuteAsync("""
            with v as (insert into bot.flow_versions (project_id, flow_id, version, definition) values (@ProjectId, @flow, 1, '{}') returning id),
            s as (insert into bot.flow_sessions (project_id, conversation_id, flow_id, version_id, entry, expires_at)
                  select @ProjectId, @z, @flow, v.id, 'test', now() + interval '1 hour' from v returning id)
            select 1
            """, new { db.ProjectId, z, flow });
        await h.RollAsync();
        Assert.Equal("contacted:2,lead:1,pro:1,campaign:1,bot:0", await CountsAsync(h, Day1, Day1));
        await db.ExecuteAsync("update bot.flow_sessions set status = 'completed', ended_at = now() where conversation_id = @z", new { z });
        await Expect("contacted:2,lead:1,pro:1,campaign:1,bot:1");
        // Untagged: it stops at the tag again, though it still meets the stages after.
        await db.ExecuteAsync("delete from chat.conversation_tags where conversation_id = @z", new { z });
        await Expect("contacted:2,lead:0,pro:0,campaign:0,bot:0");

        // A saved funnel: the facts answer at once, the cube after the pass's recount.
        var u = await h.UserAsync("funnel@dash.local", "admin");
        var saved = await db.QueryAsync<string?>("""
            select refusal from ops.dash_save_funnel(@ProjectId, '[{"key":"contacted","label":"Contacted","kind":"contacted"},
                {"key":"pro","label":"Pro","kind":"attribute","value":"plan=pro"},{"key":"bot","label":"Bot done","kind":"bot_outcome","value":"completed"}]',
                1, @u)
            """, new { db.ProjectId, u });
        Assert.Equal([null], saved);
        Assert.Equal("contacted:2,pro:1,bot:1", await CountsAsync(h, Day1, Day1));
        Assert.True(await db.ScalarAsync<bool>("select revision <> counted_revision from ops.dash_funnels where project_id = @ProjectId", new { db.ProjectId }));
        await h.RollAsync();
        Assert.True(await db.ScalarAsync<bool>("select revision = counted_revision from ops.dash_funnels where project_id = @ProjectId", new { db.ProjectId }));
        Assert.Equal("contacted:2,pro:1,bot:1", await CountsAsync(h, Day1, Day1));
        Assert.Equal(["1", "3"], await db.QueryAsync<string>(
            "select key from ops.dash_cube where project_id = @ProjectId and dim = 0 and metric = 'fu' and n <> 0 order by key", new { db.ProjectId }));

        // A rebuild gives the same cube and reaches.
        var live = await h.SnapshotAsync();
        await using var source = db.CreateDataSource();
        await RebuildRollupsCommand.RebuildAsync(source, db.ProjectId, TextWriter.Null, CancellationToken.None);
        Assert.Equal(live, await h.SnapshotAsync());
    }

    [Fact]
    public async Task A_project_without_a_funnel_marks_nothing_and_one_with_a_funnel_marks_only_for_the_stages_it_has()
    {
        var (db, h) = await HistoryAsync("funnel_marks");
        var wa = await h.AccountAsync("whatsapp");
        var tag = await TagAsync(db, "vip");
        var c = await h.ConversationAsync(wa, null, At(Day1, 9));
        await h.InAsync(c, At(Day1, 9));
        await h.RollAsync();
        const string Marks = "select count(*) from ops.dash_funnel_dirty where project_id = @ProjectId";

        await db.ExecuteAsync("insert into chat.conversation_tags (conversation_id, tag_id) values (@c, @tag)", new { c, tag });
        Assert.Equal(0L, await db.ScalarAsync<long>(Marks, new { db.ProjectId }));
        await db.ExecuteAsync("insert into ops.dash_funnels (project_id, stages) values (@ProjectId, '[{\"key\":\"c\",\"label\":\"C\",\"kind\":\"contacted\"},{\"key\":\"p\",\"label\":\"P\",\"kind\":\"attribute\",\"value\":\"plan\"}]')",
            new { db.ProjectId });
        // A tag does not move a funnel without a tag stage; an attribute does.
        await db.ExecuteAsync("delete from chat.conversation_tags where conversation_id = @c", new { c });
        Assert.Equal(0L, await db.ScalarAsync<long>(Marks, new { db.ProjectId }));
        await db.ExecuteAsync("""
            update chat.contacts k set attributes = k.attributes || '{"plan":"pro"}' from chat.conversations v where v.contact_id = k.id and v.id = @c
            """, new { c });
        Assert.Equal(1L, await db.ScalarAsync<long>(Marks, new { db.ProjectId }));
        await h.RollAsync();
        Assert.Equal("c:1,p:1", await CountsAsync(h, Day1, Day1));
    }
}
