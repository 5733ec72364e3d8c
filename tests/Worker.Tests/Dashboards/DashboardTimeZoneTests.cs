using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Dashboards;

/// <summary>Dates, buckets and business hours in a project's own time zone (America/New_York), across the weekend when
/// its clocks move forward (Sunday 8 March 2026).</summary>
public sealed class DashboardTimeZoneTests
{
    private const string Weekdays = """
        {"mon":[["09:00","17:00"]],"tue":[["09:00","17:00"]],"wed":[["09:00","17:00"]],"thu":[["09:00","17:00"]],"fri":[["09:00","17:00"]]}
        """;

    [Fact]
    public async Task Response_times_count_business_hours_of_the_project_zone_and_days_are_its_local_days()
    {
        var db = await WorkerDatabase.CreateAsync("dashtz");
        await db.ExecuteAsync("update core.projects set time_zone = 'America/New_York', business_hours = @hours::jsonb where id = @ProjectId",
            new { db.ProjectId, hours = Weekdays });
        var h = new DashboardHistory(db);
        var wa = await h.AccountAsync("whatsapp");
        var u = await h.UserAsync("tz@dash.local");

        // Friday 16:30 EST (21:30Z): answered Monday 09:30 EDT (13:30Z), resolved Monday 10:30 EDT (14:30Z).
        var a = await h.ConversationAsync(wa, null, DateTimeOffset.Parse("2026-03-06T21:30:00Z"));
        await h.InAsync(a, DateTimeOffset.Parse("2026-03-06T21:30:00Z"));
        await h.OutAsync(a, DateTimeOffset.Parse("2026-03-09T13:30:00Z"), userId: u);
        await h.ResolveAsync(a, DateTimeOffset.Parse("2026-03-09T14:30:00Z"), u);
        // Friday 23:30 EST is Saturday 04:30 UTC: still Friday for the project.
        var b = await h.ConversationAsync(wa, null, DateTimeOffset.Parse("2026-03-07T04:30:00Z"));
        await h.InAsync(b, DateTimeOffset.Parse("2026-03-07T04:30:00Z"));

        await h.RollAsync();

        var friday = new DateOnly(2026, 3, 6);
        var monday = new DateOnly(2026, 3, 9);
        // Business: 30 min on Friday + 30 min on Monday = 3,600 s; wall-clock: 64 h (the night of the change is 23 h).
        Assert.Equal(["3600|3600|230400|230400|1"], await h.TileAsync("first_response", friday, monday));
        // Resolution: Friday 16:30–17:00 and Monday 09:00–10:30 = 7,200 business seconds; 65 h wall-clock.
        Assert.Equal(["7200|7200|234000|234000|1"], await h.TileAsync("resolution", friday, monday));
        Assert.Equal(["2026-03-06|2|0|0", "2026-03-07|0|0|0", "2026-03-08|0|0|0", "2026-03-09|0|1|0"],
            await h.TileAsync("conversations", friday, monday));
        Assert.Equal(["2026-03-06|whatsapp|customer|2", "2026-03-09|whatsapp|person|1"], await h.TileAsync("messages", friday, monday));
        // The heat map's cells are local hours: Friday (5) at 16:00 and at 23:00.
        var heat = await h.TileAsync("messages_by_hour", friday, friday);
        Assert.Equal(168, heat.Length);
        Assert.Equal(["5|16|1", "5|23|1"], heat.Where(r => !r.EndsWith("|0", StringComparison.Ordinal)).ToArray());
        // Saturday alone holds nothing: the 04:30 UTC message was Friday's.
        Assert.Equal(["2026-03-07|0|0|0"], await h.TileAsync("conversations", new DateOnly(2026, 3, 7), new DateOnly(2026, 3, 7)));
    }

    [Fact]
    public async Task Business_seconds_follow_the_zone_across_a_DST_change_and_closed_days()
    {
        var db = await WorkerDatabase.CreateAsync("dashbiz");
        const string sql = "select core.business_seconds(@hours::jsonb, 'America/New_York', @from::timestamptz, @to::timestamptz)";
        // Sunday 8 March 2026 is 23 hours long in New York.
        Assert.Equal(82_800, await db.ScalarAsync<int>(sql, new { hours = """{"sun":[["00:00","24:00"]]}""",
            from = "2026-03-08T05:00:00Z", to = "2026-03-09T04:00:00Z" }));
        // A weekend is closed; Friday 16:00 EST to Monday 10:00 EDT: 1 h + 1 h.
        Assert.Equal(7_200, await db.ScalarAsync<int>(sql, new { hours = Weekdays, from = "2026-03-06T21:00:00Z", to = "2026-03-09T14:00:00Z" }));
        // Without business hours, every second counts.
        Assert.Equal(3_600, await db.ScalarAsync<int>("select core.business_seconds(null, 'UTC', '2026-03-06T10:00Z', '2026-03-06T11:00Z')"));
        // Two intervals a day (a lunch break).
        Assert.Equal(6 * 3_600, await db.ScalarAsync<int>(sql, new { hours = """{"wed":[["09:00","12:00"],["13:00","16:00"]]}""",
            from = "2026-03-04T05:00:00Z", to = "2026-03-05T05:00:00Z" }));
    }
}
