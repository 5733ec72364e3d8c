using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.EndToEnd;

/// <summary>Campaigns through real Workers to the Meta sandbox: each recipient sent once across pauses, Meta's
/// throttling, a Worker stopped mid-campaign, and Meta's refusal that stops the campaign by itself.</summary>
public sealed class CampaignTests
{
    /// <summary>An approved template on the demo number, a sending campaign, and <paramref name="count"/> pending
    /// recipients (new customers, so no window is open).</summary>
    private static async Task<long> CampaignAsync(WorkerDatabase db, int count, string prefix, double rate)
    {
        return await db.ScalarAsync<long>("""
            with a as (select id, project_id, waba_id from meta.accounts where external_id = @account),
            t as (
                insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
                select a.project_id, a.id, a.waba_id, 'campaign_' || @prefix, 'en', 'MARKETING',
                       '[{"type":"BODY","text":"Hi {{1}}, spring sale","example":{"body_text":[["Ana"]]}}]', 'APPROVED'
                from a returning id, project_id, account_id),
            c as (
                insert into mass.campaigns (project_id, account_id, template_id, name, status, rate_per_second, started_at)
                select t.project_id, t.account_id, t.id, 'Campaign ' || @prefix, 'sending', @rate, now() from t
                returning id, project_id, template_id),
            r as (
                insert into mass.recipients (campaign_id, project_id, source, phone_raw, wa_id, variables, template_id, status)
                select c.id, c.project_id, 'csv', '+' || @prefix || g, @prefix || g, jsonb_build_object('1', 'Customer ' || g), c.template_id, 'pending'
                from c, generate_series(1, @count) g
                returning campaign_id)
            select distinct campaign_id from r
            """, new { account = WorkerDatabase.WhatsApp, prefix, count, rate });
    }

    /// <summary>A lifecycle step as the Core API makes it; null when done, else the refusal.</summary>
    private static async Task<string?> TransitionAsync(WorkerDatabase db, long campaignId, string action, bool acknowledge = false) =>
        (await db.QueryAsync<string?>("select mass.transition_campaign(@campaignId, project_id, @action, null, null, null, @acknowledge) from mass.campaigns where id = @campaignId",
            new { campaignId, action, acknowledge })).Single();

    /// <summary>Waits until the planner's note on the campaign says <paramref name="note"/>.</summary>
    private static Task PlannerNoteAsync(WorkerDatabase db, long campaignId, string note, string because) =>
        Eventually.TrueAsync(async () => (await db.QueryAsync<string?>("select planner_note from mass.campaigns where id = @campaignId",
            new { campaignId })).Single() == note, TimeSpan.FromSeconds(20), because);

    private static Task<long> SentCount(WorkerDatabase db, long campaignId) => db.ScalarAsync<long>(
        "select count(*) from mass.recipients where campaign_id = @campaignId and provider_message_id is not null", new { campaignId });

    private static async Task AssertEachSentOnceAsync(SandboxHost sandbox, WorkerDatabase db, long campaignId, string prefix, int count)
    {
        var sent = (await sandbox.SentAsync()).Where(s => s.To.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var twice = sent.GroupBy(s => s.To).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, "sent twice: " + string.Join(", ", twice));
        Assert.Equal(count, sent.Count);
        var recipients = await db.QueryAsync<(string WaId, string Status, string? ProviderMessageId, long? MessageId)>(
            "select wa_id, status, provider_message_id, message_id from mass.recipients where campaign_id = @campaignId", new { campaignId });
        Assert.All(recipients, r => Assert.Contains(r.Status, new[] { "accepted", "sent", "delivered", "read" }));
        // The wamid Meta answered is the recipient's and its message's; the callback data names the message.
        var byTo = sent.ToDictionary(s => s.To);
        Assert.All(recipients, r => Assert.Equal(byTo[r.WaId].Id, r.ProviderMessageId));
        Assert.All(recipients, r => Assert.Equal(r.MessageId.ToString(), byTo[r.WaId].CallbackData));
        Assert.Equal(count, await db.ScalarAsync<long>("""
            select count(*) from chat.messages m join mass.recipients r on r.message_id = m.id
            where r.campaign_id = @campaignId and m.type = 'template' and m.direction = 'out' and m.body like 'Hi Customer %, spring sale'
            """, new { campaignId }));
    }

    [Fact]
    public async Task Every_recipient_is_sent_once_across_a_pause_and_the_campaign_completes()
    {
        var db = await WorkerDatabase.CreateAsync("campaign_pause");
        var campaignId = await CampaignAsync(db, 40, "3471000", 20);
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox);

        await Eventually.TrueAsync(async () => await SentCount(db, campaignId) >= 5, TimeSpan.FromSeconds(20), "the campaign starts sending");
        Assert.Null(await TransitionAsync(db, campaignId, "pause"));
        await Task.Delay(1000); // sends already past their check finish
        var atPause = (await sandbox.SentAsync()).Count;
        await Task.Delay(1500);
        Assert.Equal(atPause, (await sandbox.SentAsync()).Count); // nothing more while paused
        Assert.True(atPause < 40, "the pause came before the end");
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from mass.recipients where campaign_id = @campaignId and status = 'sending'", new { campaignId }));

        Assert.Null(await TransitionAsync(db, campaignId, "resume"));
        await Eventually.TrueAsync(async () => await db.ScalarAsync<string>("select status from mass.campaigns where id = @campaignId", new { campaignId }) == "completed",
            TimeSpan.FromSeconds(30), "the campaign completes");
        await AssertEachSentOnceAsync(sandbox, db, campaignId, "3471000", 40);
    }

    [Fact]
    public async Task Metas_throttling_slows_the_campaign_down_without_losing_or_repeating_anyone()
    {
        var db = await WorkerDatabase.CreateAsync("campaign_throttle");
        var campaignId = await CampaignAsync(db, 20, "3472000", 40);
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await sandbox.AddFaultAsync(new { kind = "rate_limit", count = 3 });
        await using var worker = WorkerHost.Start(db, sandbox);

        await Eventually.TrueAsync(async () => await db.ScalarAsync<string>("select status from mass.campaigns where id = @campaignId", new { campaignId }) == "completed",
            TimeSpan.FromSeconds(30), "the campaign completes");
        Assert.Equal(3, (await sandbox.FaultsAsync()).Single().Hits);
        await AssertEachSentOnceAsync(sandbox, db, campaignId, "3472000", 20);
        // Throttling costs no attempt: every recipient is on its first.
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from mass.recipients where campaign_id = @campaignId and attempt_count > 1", new { campaignId }));
    }

    [Fact]
    public async Task Two_Workers_share_a_campaign_and_one_stopping_mid_way_leaves_nobody_sent_twice_or_skipped()
    {
        var db = await WorkerDatabase.CreateAsync("campaign_two");
        var campaignId = await CampaignAsync(db, 60, "3473000", 30);
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var first = WorkerHost.Start(db, sandbox, ("Outbox:WorkerId", "campaign-a"));
        var second = WorkerHost.Start(db, sandbox, ("Outbox:WorkerId", "campaign-b"));

        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>(
                "select count(distinct split_part(locked_by, '-', 2)) from mass.recipients where campaign_id = @campaignId and locked_by is not null",
                new { campaignId }) >= 1 && await SentCount(db, campaignId) >= 15,
            TimeSpan.FromSeconds(20), "both Workers are sending");
        // Both loops have beaten before one stops (on a busy machine the second could otherwise stop before its first beat).
        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>("select count(distinct worker_id) from ops.worker_heartbeats where loop = 'mass'") == 2,
            TimeSpan.FromSeconds(20), "both Workers' campaign loops beat");
        await second.DisposeAsync(); // stops mid-campaign: its waiting recipients go back, its sends in flight finish

        await Eventually.TrueAsync(async () => await db.ScalarAsync<string>("select status from mass.campaigns where id = @campaignId", new { campaignId }) == "completed",
            TimeSpan.FromSeconds(60), "the other Worker finishes the campaign");
        await AssertEachSentOnceAsync(sandbox, db, campaignId, "3473000", 60);
        Assert.True(await db.ScalarAsync<long>("select count(distinct worker_id) from ops.worker_heartbeats where loop = 'mass'") == 2,
            "both Workers ran the campaign loop");
    }

    [Fact]
    public async Task Metas_spam_rate_refusal_stops_the_campaign_by_itself_until_a_reviewer_acknowledges_it()
    {
        var db = await WorkerDatabase.CreateAsync("campaign_spam");
        var campaignId = await CampaignAsync(db, 30, "3474000", 20);
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox);
        await Eventually.TrueAsync(async () => await SentCount(db, campaignId) >= 5, TimeSpan.FromSeconds(20), "the campaign starts sending");

        await sandbox.AddFaultAsync(new { kind = "spam_rate", count = 1 });
        await Eventually.TrueAsync(async () => await db.ScalarAsync<string>("select status from mass.campaigns where id = @campaignId", new { campaignId }) == "paused",
            TimeSpan.FromSeconds(10), "the campaign pauses itself");
        var campaign = (await db.QueryAsync<(string StopCode, bool NeedsAck, string StopReason)>(
            "select stop_code, needs_ack, stop_reason from mass.campaigns where id = @campaignId", new { campaignId })).Single();
        Assert.Equal(("meta_131048", true), (campaign.StopCode, campaign.NeedsAck));
        Assert.Contains("131048", campaign.StopReason);
        // The number's health saw it: critical, with the spam factor.
        Assert.Equal("critical", await db.ScalarAsync<string>("select health_level from meta.accounts where external_id = @a", new { a = WorkerDatabase.WhatsApp }));

        await Task.Delay(1000);
        var atStop = (await sandbox.SentAsync()).Count;
        await Task.Delay(1500);
        Assert.Equal(atStop, (await sandbox.SentAsync()).Count);
        Assert.Equal("acknowledgement_required", await TransitionAsync(db, campaignId, "resume"));

        // A reviewer acknowledges once the number is no longer critical (the spam refusal ages out of the 24 h window).
        await db.ExecuteAsync("delete from ops.number_health_failures; select ops.snapshot_number_health(id, 'test') from meta.accounts where external_id = @a",
            new { a = WorkerDatabase.WhatsApp });
        Assert.Null(await TransitionAsync(db, campaignId, "resume", acknowledge: true));
        await Eventually.TrueAsync(async () => await db.ScalarAsync<string>("select status from mass.campaigns where id = @campaignId", new { campaignId }) == "completed",
            TimeSpan.FromSeconds(30), "the campaign completes after the acknowledgement");
        await AssertEachSentOnceAsync(sandbox, db, campaignId, "3474000", 30);
    }

    [Fact]
    public async Task A_campaign_asking_for_the_whole_throughput_is_told_what_is_kept_for_replies_and_still_sends_everyone_once()
    {
        var db = await WorkerDatabase.CreateAsync("campaign_reserve");
        var campaignId = await CampaignAsync(db, 300, "3475000", 80);
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox);
        // While it sends (a note says what holds the campaign now, so it is cleared when nothing does).
        await PlannerNoteAsync(db, campaignId, "reserve: sending at 72/s, 10% of the number's 80/s is kept for agents' replies", "the planner says what it keeps for replies");
        await Eventually.TrueAsync(async () => await db.ScalarAsync<string>("select status from mass.campaigns where id = @campaignId", new { campaignId }) == "completed",
            TimeSpan.FromSeconds(60), "the campaign completes");
        await AssertEachSentOnceAsync(sandbox, db, campaignId, "3475000", 300);
    }

    [Fact]
    public async Task A_campaign_sends_up_to_its_daily_cap_and_no_further_and_says_why()
    {
        var db = await WorkerDatabase.CreateAsync("campaign_daily_cap");
        var campaignId = await CampaignAsync(db, 10, "3476000", 20);
        await db.ExecuteAsync("update mass.campaigns set daily_cap = 4 where id = @campaignId", new { campaignId });
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox);
        await PlannerNoteAsync(db, campaignId, "daily_cap: the campaign's daily cap is reached; it goes on tomorrow", "the planner says the daily cap holds the campaign");
        await Eventually.TrueAsync(async () => await SentCount(db, campaignId) == 4, TimeSpan.FromSeconds(10), "the four sends are answered");
        // Still the cap's worth after ten more plans (200 ms apart), and nobody else was claimed.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(4, await SentCount(db, campaignId));
        Assert.Equal(4, (await sandbox.SentAsync()).Count(s => s.To.StartsWith("3476000", StringComparison.Ordinal)));
        Assert.Equal(6, await db.ScalarAsync<long>("select count(*) from mass.recipients where campaign_id = @campaignId and status = 'pending' and attempt_count = 0",
            new { campaignId }));
    }

    [Fact]
    public async Task A_campaign_sends_only_what_the_portfolios_messaging_limit_leaves_and_says_why()
    {
        var db = await WorkerDatabase.CreateAsync("campaign_portfolio_limit");
        // The sandbox's tier (TIER_1K), 990 unique recipients already reached by the portfolio in the moving 24 h, and
        // 3 more reached two days ago (they no longer count): 10 left.
        await db.ExecuteAsync("""
            update meta.accounts set messaging_limit = 'TIER_1K' where channel = 'whatsapp';
            insert into mass.limit_recipients (portfolio, wa_id, last_at)
            select mass.portfolio_of(a), 'earlier' || g, case when g <= 990 then now() - interval '1 hour' else now() - interval '2 days' end
            from meta.accounts a, generate_series(1, 993) g where a.external_id = @account;
            """, new { account = WorkerDatabase.WhatsApp });
        Assert.Equal(10, await db.ScalarAsync<int>("select remaining from meta.accounts a cross join lateral mass.portfolio_budget(a.id) where a.external_id = @account",
            new { account = WorkerDatabase.WhatsApp }));
        var campaignId = await CampaignAsync(db, 25, "3477000", 20);
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox);
        await PlannerNoteAsync(db, campaignId, "messaging_limit: the portfolio's messaging limit is used up for the moving 24 h", "the planner says the messaging limit holds the campaign");
        // The note comes when the tenth send has started; its answer from Meta may still be on its way.
        await Eventually.TrueAsync(async () => await SentCount(db, campaignId) == 10, TimeSpan.FromSeconds(10), "the ten sends are answered");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(10, (await sandbox.SentAsync()).Count(s => s.To.StartsWith("3477000", StringComparison.Ordinal)));
        Assert.Equal(15, await db.ScalarAsync<long>("select count(*) from mass.recipients where campaign_id = @campaignId and status = 'pending' and attempt_count = 0",
            new { campaignId }));
        await worker.DisposeAsync(); // its number-limits pass must not write the tier back below

        // The planner counts the portfolio's use only as far as the limit, and not at all without one; what is left is
        // the exact count's. Five more reached: 1,005 used of 1,000.
        await db.ExecuteAsync("""
            insert into mass.limit_recipients (portfolio, wa_id, last_at)
            select mass.portfolio_of(a), 'later' || g, now() from meta.accounts a, generate_series(1, 5) g where a.external_id = @account
            """, new { account = WorkerDatabase.WhatsApp });
        const string Budgets = """
            select e.used, e.remaining, p.used, p.remaining from meta.accounts a cross join lateral mass.portfolio_budget(a.id) e
            cross join lateral mass.portfolio_budget(a.id, false) p where a.external_id = @account
            """;
        Assert.Equal(((int?)1005, (int?)0, (int?)1000, (int?)0),
            (await db.QueryAsync<(int?, int?, int?, int?)>(Budgets, new { account = WorkerDatabase.WhatsApp })).Single());
        await db.ExecuteAsync("update meta.accounts set messaging_limit = 'TIER_UNLIMITED' where channel = 'whatsapp'");
        Assert.Equal(((int?)1005, (int?)null, (int?)null, (int?)null),
            (await db.QueryAsync<(int?, int?, int?, int?)>(Budgets, new { account = WorkerDatabase.WhatsApp })).Single());
    }
}
