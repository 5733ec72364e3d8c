using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Dashboards;

/// <summary>
/// Each insight rule (docs/dashboards.md § Insights) on a crafted history rolled up by the Worker's pass: the change it
/// flags (a positive control) and, beside it, one it must not flag (a negative control: too small a change, too few
/// cases, another channel or queue). The week compared: 9–15 March 2026 against 2–8 March (UTC, no business hours).
/// </summary>
public sealed class InsightRuleTests
{
    private static readonly DateOnly Prev = new(2026, 3, 2), Cur = new(2026, 3, 9), CurEnd = new(2026, 3, 15);

    private static DateTimeOffset At(DateOnly day, int hour, int minute = 0) => new(day.ToDateTime(new TimeOnly(hour, minute)), TimeSpan.Zero);

    public sealed class Found
    {
        public string Kind { get; init; } = "";
        public string Severity { get; init; } = "";
        public string Action { get; init; } = "";
        public string Tile { get; init; } = "";
        public string Codes { get; init; } = "";
        public string Figures { get; init; } = "";
        public long? AccountId { get; init; }
        public string? Channel { get; init; }
        public long? QueueId { get; init; }
    }

    private static async Task<DashboardHistory> HistoryAsync(string label)
    {
        var db = await WorkerDatabase.CreateAsync(label);
        await db.ExecuteAsync("update core.projects set time_zone = 'UTC', business_hours = null where id = @ProjectId", new { db.ProjectId });
        return new DashboardHistory(db);
    }

    private static async Task<List<Found>> InsightsAsync(DashboardHistory h, DateOnly from, DateOnly to, string? channel = null, long? queueId = null)
    {
        await h.RollAsync();
        return await h.Db.QueryAsync<Found>("""
            select kind, severity, action, tile, codes::text as codes, figures::text as figures, account_id as "AccountId", channel, queue_id as "QueueId"
            from ops.dash_insights(@ProjectId, @from::date, @to::date, null, @channel, @queueId, null, null, null, null)
            """, new { h.Db.ProjectId, from = from.ToDateTime(TimeOnly.MinValue), to = to.ToDateTime(TimeOnly.MinValue), channel, queueId });
    }

    /// <summary>Conversations on the account and queue whose customer writes at 9:00 on the day and is answered after
    /// <paramref name="minutes"/> by the person (or not at all when null).</summary>
    private static async Task<List<long>> AnsweredAsync(DashboardHistory h, long account, long? queue, DateOnly day, int count, int? minutes,
        long? person = null)
    {
        var ids = new List<long>();
        for (var i = 0; i < count; i++)
        {
            var c = await h.ConversationAsync(account, queue, At(day, 9, i));
            await h.InAsync(c, At(day, 9, i));
            if (minutes is { } m) await h.OutAsync(c, At(day, 9, i).AddMinutes(m), userId: person);
            ids.Add(c);
        }
        return ids;
    }

    [Fact]
    public async Task First_response_p90_doubled_on_Instagram_is_flagged_per_channel_and_queue_and_a_steady_WhatsApp_is_not()
    {
        var h = await HistoryAsync("ins_first_response");
        var (ig, wa) = (await h.AccountAsync("instagram"), await h.AccountAsync("whatsapp"));
        var billing = await h.QueueAsync("Billing");
        var u = await h.UserAsync("fr@ins.local");
        await AnsweredAsync(h, ig, billing, Prev.AddDays(1), 5, 10, u);
        await AnsweredAsync(h, ig, billing, Cur.AddDays(1), 5, 30, u);
        await AnsweredAsync(h, wa, null, Prev.AddDays(1), 5, 10, u);
        await AnsweredAsync(h, wa, null, Cur.AddDays(1), 5, 13, u); // +30 %: under the threshold
        // Only 4 answered in the current period: too few to compare, whatever the change.
        var messenger = await h.AccountAsync("messenger");
        await AnsweredAsync(h, messenger, null, Prev.AddDays(1), 5, 10, u);
        await AnsweredAsync(h, messenger, null, Cur.AddDays(1), 4, 60, u);

        var found = await InsightsAsync(h, Cur, CurEnd);

        var byChannel = Assert.Single(found, f => f.Kind == "first_response_p90_up" && f.Channel == "instagram");
        Assert.Equal(("critical", "review_staffing", "response_times", (long?)null), (byChannel.Severity, byChannel.Action, byChannel.Tile, byChannel.QueueId));
        Assert.Contains("\"p90_seconds\": 1800", byChannel.Figures);
        Assert.Contains("\"previous_p90_seconds\": 600", byChannel.Figures);
        Assert.Contains("\"change_pct\": 200", byChannel.Figures);
        var byQueue = Assert.Single(found, f => f.Kind == "first_response_p90_up" && f.QueueId == billing);
        Assert.Equal(("add_agents_to_queue", (string?)null), (byQueue.Action, byQueue.Channel));
        Assert.Contains("Billing", byQueue.Codes);
        Assert.DoesNotContain(found, f => f.Kind.StartsWith("first_response", StringComparison.Ordinal) && f.Channel is "whatsapp" or "messenger");
        Assert.Equal(2, found.Count(f => f.Kind.StartsWith("first_response", StringComparison.Ordinal)));

        // Read a week later, the slow week is the previous one and the week itself answered nobody: nothing to compare.
        Assert.Empty(await InsightsAsync(h, Cur.AddDays(7), CurEnd.AddDays(7)));
    }

    [Fact]
    public async Task SLA_attainment_under_the_goal_is_flagged_for_its_queue_and_a_queue_within_target_is_not()
    {
        var h = await HistoryAsync("ins_sla");
        var wa = await h.AccountAsync("whatsapp");
        var (billing, support) = (await h.QueueAsync("Billing"), await h.QueueAsync("Support"));
        var u = await h.UserAsync("sla@ins.local");
        await AnsweredAsync(h, wa, billing, Cur.AddDays(1), 2, 30, u);
        await AnsweredAsync(h, wa, billing, Cur.AddDays(1), 3, 120, u); // past the one-hour default target
        await AnsweredAsync(h, wa, support, Cur.AddDays(1), 5, 20, u);

        var found = await InsightsAsync(h, Cur, CurEnd);

        var sla = Assert.Single(found, f => f.Kind == "sla_below_goal");
        Assert.Equal(("critical", "add_agents_to_queue", "sla", billing), (sla.Severity, sla.Action, sla.Tile, sla.QueueId));
        Assert.Contains("\"attainment_pct\": 40.0", sla.Figures);
        Assert.Contains("\"goal_pct\": 90", sla.Figures);
    }

    [Fact]
    public async Task A_failure_rate_that_jumped_is_flagged_with_its_top_reason_and_a_channel_without_failures_is_not()
    {
        var h = await HistoryAsync("ins_failures");
        var (wa, ms) = (await h.AccountAsync("whatsapp"), await h.AccountAsync("messenger"));
        var u = await h.UserAsync("fail@ins.local");
        foreach (var (account, day) in new[] { (wa, Prev), (wa, Cur), (ms, Prev), (ms, Cur) })
        {
            var c = await h.ConversationAsync(account, null, At(day, 8));
            for (var i = 0; i < 20; i++) await h.OutAsync(c, At(day, 9, i), userId: u);
        }
        await h.StatusAsync(wa, At(Prev, 10), "failed", 131047);
        for (var i = 0; i < 5; i++) await h.StatusAsync(wa, At(Cur, 10), "failed", 131047);
        await h.StatusAsync(wa, At(Cur, 10), "failed", 131026);
        for (var i = 0; i < 20; i++) await h.StatusAsync(ms, At(Cur, 10), "delivered");

        var found = await InsightsAsync(h, Cur, CurEnd);

        var failures = Assert.Single(found, f => f.Kind == "failure_rate_up");
        Assert.Equal(("critical", "use_template_outside_window", "failures", "whatsapp"), (failures.Severity, failures.Action, failures.Tile, failures.Channel));
        Assert.Contains("\"reason\": \"131047\"", failures.Codes);
        Assert.Contains("\"failed_pct\": 30.0", failures.Figures);
        Assert.Contains("\"previous_failed_pct\": 5.0", failures.Figures);
        // Four failures are too few to speak of a rate.
        var quiet = await HistoryAsync("ins_failures_few");
        var qwa = await quiet.AccountAsync("whatsapp");
        var qc = await quiet.ConversationAsync(qwa, null, At(Cur, 8));
        for (var i = 0; i < 10; i++) await quiet.OutAsync(qc, At(Cur, 9, i));
        for (var i = 0; i < 4; i++) await quiet.StatusAsync(qwa, At(Cur, 10), "failed", 131047);
        Assert.DoesNotContain(await InsightsAsync(quiet, Cur, CurEnd), f => f.Kind == "failure_rate_up");
    }

    [Fact]
    public async Task A_queue_with_a_backlog_and_nobody_online_is_flagged_now_and_a_staffed_queue_is_not()
    {
        var h = await HistoryAsync("ins_backlog");
        var wa = await h.AccountAsync("whatsapp");
        var (billing, support) = (await h.QueueAsync("Billing"), await h.QueueAsync("Support"));
        var (away, online) = (await h.UserAsync("away@ins.local"), await h.UserAsync("online@ins.local"));
        await h.Db.ExecuteAsync("""
            insert into core.queue_members (queue_id, user_id) values (@billing, @away), (@support, @online);
            insert into core.presence (user_id, status, changed_at, last_seen_at) values (@away, 'away', now(), now()), (@online, 'online', now(), now())
            on conflict (user_id) do update set status = excluded.status, last_seen_at = now()
            """, new { billing, support, away, online });
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        for (var i = 0; i < 12; i++)
        {
            await h.ConversationAsync(wa, billing, DateTimeOffset.UtcNow.AddMinutes(-i));
            await h.ConversationAsync(wa, support, DateTimeOffset.UtcNow.AddMinutes(-i));
        }

        var found = await InsightsAsync(h, today.AddDays(-6), today);

        var backlog = Assert.Single(found, f => f.Kind == "backlog_per_agent_high");
        Assert.Equal(("critical", "bring_agents_online", "backlog", billing), (backlog.Severity, backlog.Action, backlog.Tile, backlog.QueueId));
        Assert.Contains("\"open\": 12", backlog.Figures);
        Assert.Contains("\"online_agents\": 0", backlog.Figures);
        // A past week does not speak of now.
        Assert.DoesNotContain(await InsightsAsync(h, today.AddDays(-13), today.AddDays(-7)), f => f.Kind == "backlog_per_agent_high");
    }

    [Fact]
    public async Task Window_expiries_that_rose_are_flagged_and_a_channel_without_them_is_not()
    {
        var h = await HistoryAsync("ins_expiries");
        var wa = await h.AccountAsync("whatsapp");
        await AnsweredAsync(h, wa, null, Prev.AddDays(1), 2, null);
        await AnsweredAsync(h, wa, null, Cur.AddDays(1), 6, null);

        var found = await InsightsAsync(h, Cur, CurEnd);

        var expiries = Assert.Single(found, f => f.Kind == "window_expiries_up");
        Assert.Equal(("warning", "answer_before_window_closes", "window_expiries"), (expiries.Severity, expiries.Action, expiries.Tile));
        Assert.Contains("\"expiries\": 6", expiries.Figures);
        Assert.Contains("\"previous_expiries\": 2", expiries.Figures);
        Assert.DoesNotContain(await InsightsAsync(h, Cur, CurEnd, channel: "messenger"), f => f.Kind == "window_expiries_up");
    }

    [Fact]
    public async Task AI_containment_that_fell_is_flagged_and_the_bot_without_enough_resolved_is_not()
    {
        var h = await HistoryAsync("ins_containment");
        var wa = await h.AccountAsync("whatsapp");
        var (ai, flow, u) = (await h.AiAgentAsync(), await h.FlowAsync(), await h.UserAsync("cont@ins.local"));
        async Task EpisodeAsync(DateOnly day, int i, bool person, long? aiAgent, long? bot)
        {
            var c = await h.ConversationAsync(wa, null, At(day, 9, i));
            await h.InAsync(c, At(day, 9, i));
            await h.OutAsync(c, At(day, 9, i).AddMinutes(1), aiAgentId: aiAgent, flowId: bot);
            if (person) await h.OutAsync(c, At(day, 9, i).AddMinutes(5), userId: u);
            await h.ResolveAsync(c, At(day, 10, i), person ? u : null);
        }
        for (var i = 0; i < 5; i++) await EpisodeAsync(Prev.AddDays(1), i, false, ai, null);
        for (var i = 0; i < 5; i++) await EpisodeAsync(Cur.AddDays(1), i, i >= 2, ai, null);
        for (var i = 0; i < 3; i++) await EpisodeAsync(Prev.AddDays(1), 10 + i, false, null, flow);
        for (var i = 0; i < 3; i++) await EpisodeAsync(Cur.AddDays(1), 10 + i, true, null, flow);

        var found = await InsightsAsync(h, Cur, CurEnd);

        var containment = Assert.Single(found, f => f.Kind.StartsWith("containment", StringComparison.Ordinal));
        Assert.Equal(("containment_down", "warning", "review_ai_agent", "containment"),
            (containment.Kind, containment.Severity, containment.Action, containment.Tile));
        Assert.Contains("\"handled_by\": \"ai\"", containment.Codes);
        Assert.Contains("\"containment_pct\": 40.0", containment.Figures);
        Assert.Contains("\"previous_containment_pct\": 100.0", containment.Figures);
    }

    [Fact]
    public async Task A_funnel_stage_whose_conversion_fell_is_flagged_and_a_steady_stage_is_not()
    {
        var h = await HistoryAsync("ins_funnel");
        var wa = await h.AccountAsync("whatsapp");
        await h.Db.ExecuteAsync("""
            insert into ops.dash_funnels (project_id, stages) values (@ProjectId,
                '[{"key":"contacted","label":"Contacted","kind":"contacted"},{"key":"replied","label":"Replied","kind":"replied"},
                  {"key":"resolved","label":"Resolved","kind":"resolved"}]')
            """, new { h.Db.ProjectId });
        async Task CampaignAsync(DateOnly day, int i, bool replies)
        {
            var c = await h.ConversationAsync(wa, null, At(day, 8, i));
            await h.OutAsync(c, At(day, 8, i), campaignId: 77);
            if (!replies) return;
            await h.InAsync(c, At(day, 9, i));
            await h.ResolveAsync(c, At(day, 10, i));
        }
        for (var i = 0; i < 10; i++) await CampaignAsync(Prev.AddDays(1), i, true);
        for (var i = 0; i < 10; i++) await CampaignAsync(Cur.AddDays(1), i, i < 5);

        var found = await InsightsAsync(h, Cur, CurEnd);

        var funnel = Assert.Single(found, f => f.Kind == "funnel_conversion_down");
        Assert.Equal(("critical", "review_funnel_stage", "funnel"), (funnel.Severity, funnel.Action, funnel.Tile));
        Assert.Contains("\"stage_key\": \"replied\"", funnel.Codes);
        Assert.Contains("\"conversion_pct\": 50.0", funnel.Figures);
        // Resolved follows replied at 100 % in both weeks, and in the current week only 5 reached the stage before it.
    }

    [Fact]
    public async Task A_number_whose_health_level_worsened_is_flagged_and_a_number_whose_level_held_is_not()
    {
        var h = await HistoryAsync("ins_health");
        var (wa, ms) = (await h.AccountAsync("whatsapp"), await h.AccountAsync("messenger"));
        async Task SnapshotAsync(long account, DateOnly day, int score, string level) => await h.Db.ExecuteAsync("""
            insert into ops.number_health_snapshots (project_id, account_id, taken_at, score, level, breakdown, trigger)
            values (@ProjectId, @account, @at, @score, @level, '{}', 'test')
            """, new { h.Db.ProjectId, account, at = At(day, 12), score, level });
        await SnapshotAsync(wa, Prev.AddDays(6), 95, "healthy");
        await SnapshotAsync(wa, Cur.AddDays(1), 70, "at_risk");
        await SnapshotAsync(wa, Cur.AddDays(5), 30, "critical");
        await SnapshotAsync(ms, Prev.AddDays(6), 60, "at_risk");
        await SnapshotAsync(ms, Cur.AddDays(5), 55, "at_risk");

        var found = await InsightsAsync(h, Cur, CurEnd);

        var health = Assert.Single(found, f => f.Kind == "number_health_worse");
        Assert.Equal(("critical", "protect_number", "number_health", wa), (health.Severity, health.Action, health.Tile, health.AccountId));
        Assert.Contains("\"level\": \"critical\"", health.Codes);
        Assert.Contains("\"previous_level\": \"healthy\"", health.Codes);
        Assert.Contains("\"score\": 30", health.Figures);
    }

    [Fact]
    public async Task A_quiet_history_gives_no_insight()
    {
        var h = await HistoryAsync("ins_quiet");
        var wa = await h.AccountAsync("whatsapp");
        var u = await h.UserAsync("quiet@ins.local");
        await AnsweredAsync(h, wa, null, Prev.AddDays(1), 5, 10, u);
        await AnsweredAsync(h, wa, null, Cur.AddDays(1), 5, 10, u);
        Assert.Empty(await InsightsAsync(h, Cur, CurEnd));
    }
}
