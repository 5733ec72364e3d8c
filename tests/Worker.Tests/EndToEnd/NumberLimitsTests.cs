using System.Net.Http.Json;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.EndToEnd;

/// <summary>What the Graph API says of a number, read by the Worker on its timer with no webhook to carry it, and the
/// agents' one-to-one initiations counted into the portfolio's messaging limit that campaigns plan with.</summary>
public sealed class NumberLimitsTests
{
    [Fact]
    public async Task A_number_that_Meta_rates_red_without_any_webhook_is_read_from_the_Graph_API_and_its_campaign_pauses_itself()
    {
        var db = await WorkerDatabase.CreateAsync("number_limits");
        var campaignId = await db.ScalarAsync<long>("""
            with a as (select id, project_id, waba_id from meta.accounts where external_id = @account),
            t as (
                insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
                select a.project_id, a.id, a.waba_id, 'limits_promo', 'en', 'MARKETING', '[{"type":"BODY","text":"Spring sale"}]', 'APPROVED'
                from a returning id, project_id, account_id),
            c as (
                insert into mass.campaigns (project_id, account_id, template_id, name, status, rate_per_second, started_at)
                select t.project_id, t.account_id, t.id, 'Limits', 'sending', 2, now() from t returning id, project_id, template_id),
            r as (
                insert into mass.recipients (campaign_id, project_id, source, wa_id, template_id, status)
                select c.id, c.project_id, 'csv', '3472000' || g, c.template_id, 'pending' from c, generate_series(1, 200) g
                returning campaign_id)
            select distinct campaign_id from r
            """, new { account = WorkerDatabase.WhatsApp });
        await db.ExecuteAsync("update meta.accounts set quality_rating = 'GREEN', messaging_limit = 'TIER_250' where external_id = @account",
            new { account = WorkerDatabase.WhatsApp });
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        // Meta rates the number RED and raises the portfolio's limit; the sandbox sends no webhook (none is configured).
        var changed = await sandbox.Client.PostAsJsonAsync($"/sandbox/accounts/{WorkerDatabase.WhatsApp}/quality",
            new { quality_rating = "RED", messaging_limit_tier = "TIER_1K" }, SandboxHost.Json);
        changed.EnsureSuccessStatusCode();

        await using var worker = WorkerHost.Start(db, sandbox, ("Mass:LimitsRefreshSeconds", "30"));
        await Eventually.TrueAsync(async () => await db.ScalarAsync<string>(
                "select quality_rating from meta.accounts where external_id = @account", new { account = WorkerDatabase.WhatsApp }) == "RED",
            TimeSpan.FromSeconds(20), "the Worker reads the rating from the Graph API");
        Assert.Equal("TIER_1K", await db.ScalarAsync<string>("select messaging_limit from meta.accounts where external_id = @account",
            new { account = WorkerDatabase.WhatsApp }));
        await Eventually.TrueAsync(async () => await db.ScalarAsync<string>("select status from mass.campaigns where id = @campaignId",
            new { campaignId }) == "paused", TimeSpan.FromSeconds(10), "the campaign pauses itself");
        var campaign = (await db.QueryAsync<(string StopCode, bool NeedsAck)>("select stop_code, needs_ack from mass.campaigns where id = @campaignId",
            new { campaignId })).Single();
        Assert.Equal(("number_health_critical", true), campaign);
        Assert.Equal("graph_limits", await db.ScalarAsync<string>("""
            select s.trigger from ops.number_health_snapshots s join meta.accounts a on a.id = s.account_id
            where a.external_id = @account and s.level = 'critical' order by s.id limit 1
            """, new { account = WorkerDatabase.WhatsApp }));
        // It paused before the end: the rest of the audience is still pending, not sent.
        Assert.True(await db.ScalarAsync<long>("select count(*) from mass.recipients where campaign_id = @campaignId and status = 'pending'",
            new { campaignId }) > 100);
    }

    [Fact]
    public async Task A_one_to_one_template_outside_the_window_counts_against_the_portfolio_limit_and_one_inside_it_or_a_text_does_not()
    {
        var db = await WorkerDatabase.CreateAsync("initiation_limit");
        // Three conversations: a customer last heard from two days ago (closed window), one who wrote just now (open),
        // and a third, closed too, who gets a text (an agent cannot send text there in production; the database decides
        // by the message's type either way).
        await db.ExecuteAsync("""
            with a as (select id, project_id, waba_id from meta.accounts where external_id = @account),
            ct as (insert into chat.contacts (project_id, channel, external_id, phone)
                   select a.project_id, 'whatsapp', x.wa, x.wa from a, (values ('34673000001'), ('34673000002'), ('34673000003')) x(wa)
                   returning id, project_id, external_id),
            cv as (insert into chat.conversations (project_id, account_id, contact_id, channel, last_inbound_at)
                   select ct.project_id, a.id, ct.id, 'whatsapp',
                          case ct.external_id when '34673000002' then now() else now() - interval '2 days' end
                   from ct, a returning id, project_id, account_id, contact_id),
            m as (insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, status, status_rank, occurred_at,
                                             client_message_id, payload)
                  select cv.project_id, cv.id, cv.account_id, 'out', case c.external_id when '34673000003' then 'text' else 'template' end,
                         'Hello', 'queued', 0, now(), 'init-' || c.external_id,
                         case when c.external_id = '34673000003' then null
                              else '{"template":{"name":"hello_world","language":{"code":"en_US"}}}'::jsonb end
                  from cv join ct c on c.id = cv.contact_id
                  returning id, project_id, account_id)
            insert into ops.outbox (project_id, account_id, message_id) select project_id, account_id, id from m
            """, new { account = WorkerDatabase.WhatsApp });
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox);
        Assert.Equal(0, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(20)));
        var outcomes = await db.QueryAsync<string>("""
            select m.client_message_id || ' ' || m.status || ' ' || coalesce(m.error_code::text, '') || ' ' || coalesce(d.reason, '')
            from chat.messages m left join ops.dead_letters d on d.message_id = m.id where m.client_message_id like 'init-%'
            """);
        Assert.True(3 == (await sandbox.SentAsync()).Count(s => s.To.StartsWith("3467300", StringComparison.Ordinal)), string.Join("; ", outcomes));

        var counted = await db.QueryAsync<string>("select wa_id from mass.limit_recipients order by wa_id");
        Assert.Equal(new[] { "34673000001" }, counted);
        // And the portfolio's budget, which campaigns plan with, has spent one.
        Assert.Equal(1, await db.ScalarAsync<int>("""
            select used from meta.accounts a cross join lateral mass.portfolio_budget(a.id) where a.external_id = @account
            """, new { account = WorkerDatabase.WhatsApp }));
    }
}
