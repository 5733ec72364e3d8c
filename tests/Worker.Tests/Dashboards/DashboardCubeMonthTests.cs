using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Dashboards;

/// <summary>
/// The histograms read over whole periods (an agent's median first response, each channel's medians) come from month
/// rows for the whole months inside a period and day rows around them (ops.dash_cube_rows): the same figures as the
/// facts for periods with no whole month, one, two, and one exactly.
/// </summary>
public sealed class DashboardCubeMonthTests
{
    private static DateTimeOffset At(DateOnly day, int hour, int minute = 0) => new(day.ToDateTime(new TimeOnly(hour, minute)), TimeSpan.Zero);

    [Fact]
    public async Task Periods_with_whole_months_read_the_month_rows_and_give_the_facts_figures()
    {
        var db = await WorkerDatabase.CreateAsync("dashmonths");
        await db.ExecuteAsync("update core.projects set time_zone = 'UTC', business_hours = null where id = @ProjectId", new { db.ProjectId });
        var h = new DashboardHistory(db);
        var (wa, ms) = (await h.AccountAsync("whatsapp"), await h.AccountAsync("messenger"));
        var (u1, u2) = (await h.UserAsync("m1@dash.local"), await h.UserAsync("m2@dash.local"));
        // A conversation every 4 days from 20 Feb to 10 Apr, on either channel, answered by either person after a delay
        // that grows with the day (so each month's median differs), resolved an hour later.
        var day = new DateOnly(2026, 2, 20);
        for (var i = 0; day <= new DateOnly(2026, 4, 10); i++, day = day.AddDays(4))
        {
            var c = await h.ConversationAsync(i % 3 == 0 ? ms : wa, null, At(day, 9));
            await h.InAsync(c, At(day, 9));
            await h.OutAsync(c, At(day, 9, 1 + i * 2), userId: i % 2 == 0 ? u1 : u2);
            await h.ResolveAsync(c, At(day, 10 + i % 5), i % 2 == 0 ? u1 : u2);
        }
        await h.RollAsync();
        Assert.True(await db.ScalarAsync<long>("select count(*) from ops.dash_cube where project_id = @ProjectId and metric in ('frp.m', 'frc.m', 'rsc.m') and n > 0",
            new { db.ProjectId }) > 0);

        string[] filters = [$"{wa}, null, null, null, null, null, null", "null, 'messenger', null, null, null, null, null",
            $"null, null, null, {u1}, null, null, null"];
        (DateOnly From, DateOnly To)[] periods = [
            (new(2026, 2, 25), new(2026, 4, 3)),   // March whole, days around it
            (new(2026, 3, 1), new(2026, 3, 31)),   // March exactly
            (new(2026, 2, 1), new(2026, 4, 30)),   // three whole months
            (new(2026, 2, 28), new(2026, 3, 30)),  // no whole month: March less its last day
            (new(2026, 3, 2), new(2026, 4, 1)),    // none either, across two months: March less its first day
            (new(2026, 2, 20), new(2026, 3, 5)),   // a few days of each month
            (new(2026, 3, 10), new(2026, 3, 20)),  // inside one month
        ];
        foreach (var (from, to) in periods)
            Assert.Empty(await h.CubeDifferencesAsync(from, to, filters));

        // The month rows are what those periods read: a wrong March row shows in a period holding March, and in one
        // holding all of March but its last day (read as March less 31 March), and not in one holding five days of it
        // (read from those days).
        await db.ExecuteAsync("update ops.dash_cube set total = total + 1000 * n where project_id = @ProjectId and metric = 'frp.m' and day = '2026-03-01'",
            new { db.ProjectId });
        Assert.NotEmpty(await h.CubeDifferencesAsync(periods[0].From, periods[0].To));
        Assert.NotEmpty(await h.CubeDifferencesAsync(periods[3].From, periods[3].To));
        Assert.Empty(await h.CubeDifferencesAsync(new(2026, 2, 20), new(2026, 3, 5)));
    }

    [Fact]
    public async Task A_day_that_is_over_keeps_its_medians_today_is_computed_and_a_late_change_recomputes_the_day()
    {
        var db = await WorkerDatabase.CreateAsync("dashdaypcts");
        await db.ExecuteAsync("update core.projects set time_zone = 'UTC', business_hours = null where id = @ProjectId", new { db.ProjectId });
        var h = new DashboardHistory(db);
        var wa = await h.AccountAsync("whatsapp");
        var u = await h.UserAsync("d1@dash.local");
        var day = new DateOnly(2026, 3, 2);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var now = new DateTimeOffset(today.ToDateTime(new TimeOnly(0, 10, 30)), TimeSpan.Zero); // today's, whatever the hour
        var a = await h.ConversationAsync(wa, null, At(day, 9));
        await h.InAsync(a, At(day, 9));
        await h.OutAsync(a, At(day, 9, 10), userId: u);           // 600 s
        var b = await h.ConversationAsync(wa, null, now.AddMinutes(-10));
        await h.InAsync(b, now.AddMinutes(-10));
        await h.OutAsync(b, now.AddMinutes(-8), userId: u);       // 120 s, today
        await h.RollAsync();

        const string Kept = "select p50 from ops.dash_cube_pcts where project_id = @ProjectId and dim = 0 and metric = 'frb' and day = @d";
        Assert.Equal([600.0], await db.QueryAsync<double>(Kept, new { db.ProjectId, d = day.ToDateTime(TimeOnly.MinValue) }));
        Assert.Empty(await db.QueryAsync<double>(Kept, new { db.ProjectId, d = today.ToDateTime(TimeOnly.MinValue) }));
        var series = await h.TileAsync("response_times", day, today);
        Assert.StartsWith("2026-03-02|600|600|", series[0]);
        Assert.StartsWith($"{today:yyyy-MM-dd}|120|120|", series[^1]);
        Assert.Empty(await h.CubeDifferencesAsync(day, today));

        // A late first response on the day that is over: its figures are computed again by the pass.
        var c = await h.ConversationAsync(wa, null, At(day, 11));
        await h.InAsync(c, At(day, 11));
        await h.OutAsync(c, At(day, 11, 30), userId: u);          // 1800 s
        await h.RollAsync();
        Assert.Equal([1200.0], await db.QueryAsync<double>(Kept, new { db.ProjectId, d = day.ToDateTime(TimeOnly.MinValue) }));
        Assert.Empty(await h.CubeDifferencesAsync(day, today));

        // What the tile reads for that day is the kept figure: a wrong one shows.
        await db.ExecuteAsync("update ops.dash_cube_pcts set p50 = 999 where project_id = @ProjectId and dim = 0 and metric = 'frb'", new { db.ProjectId });
        Assert.StartsWith("2026-03-02|999|", (await h.TileAsync("response_times", day, day))[0]);
    }
}

/// <summary>The instant an unanswered episode passes its target (core.business_due), against core.business_seconds.</summary>
public sealed class BusinessDueTests
{
    [Fact]
    public async Task The_due_instant_is_the_last_one_with_at_most_the_target_in_business_seconds()
    {
        var db = await WorkerDatabase.CreateAsync("dashdue");
        // Split days, a Saturday morning, Sunday closed, a DST change (29 March in Madrid), targets up to 25 business hours;
        // 400 whole-second instants, the same on every run.
        var wrong = await db.QueryAsync<string>("""
            with h as (select '{"mon":[["09:00","18:00"]],"tue":[["09:00","13:00"],["14:00","18:00"]],"wed":[["09:00","18:00"]],
                                "thu":[["09:00","18:00"]],"fri":[["09:00","15:00"]],"sat":[["10:00","12:00"]]}'::jsonb as hours),
            x as (select timestamptz '2026-03-20 00:00+00' + ((hashint4(i) & 2147483647) % (20 * 86400)) * interval '1 second' as f,
                         (hashint4(i + 100000) & 2147483647) % 90000 as t
                  from generate_series(1, 400) i),
            d as (select x.f, x.t, core.business_due(h.hours, 'Europe/Madrid', x.f, x.t) as due, h.hours from x, h)
            select f || ' + ' || t || ' s -> ' || due from d
            where not (core.business_seconds(hours, 'Europe/Madrid', f, due) = t
                       and core.business_seconds(hours, 'Europe/Madrid', f, due + interval '1 second') > t)
            """);
        Assert.Empty(wrong);
        // No opening in the week: never due; no hours: always open.
        Assert.Equal("infinity", await db.ScalarAsync<string>("select core.business_due('{}', 'UTC', now(), 60)::text"));
        Assert.True(await db.ScalarAsync<bool>("select core.business_due(null, 'UTC', timestamptz '2026-03-02 10:00+00', 90) = timestamptz '2026-03-02 10:01:30+00'"));
    }
}
