using System.Text.Json;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Front.Auth;
using MultichannelMessages.Front.Components.Charts;
using MultichannelMessages.Front.Components.Dashboards;
using MultichannelMessages.Front.CoreApi;
using MultichannelMessages.Front.Realtime;

namespace MultichannelMessages.Front.Tests;

/// <summary>The Dashboard module without a browser: the view its address holds, tiles read as tables and figures,
/// layout edits saved through the Core API, filters, drill-down links, live refresh at most once a minute, Spanish.</summary>
public sealed class DashboardTests : ComponentTest
{
    private const string Prefix = "/projects/3/dashboards";
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    private static readonly string[] AllFilters = [FilterNames.Account, FilterNames.Channel, FilterNames.Queue, FilterNames.User,
        FilterNames.Campaign, FilterNames.Flow, FilterNames.AiAgent];

    internal static readonly TileDefinition Conversations = new(TileKeys.Conversations, "dashboards.tile.conversations",
        "dashboards.tile.conversations.description", TileGroups.Data, ChartKinds.Line, [ChartKinds.Line, ChartKinds.Bar, ChartKinds.Figure, ChartKinds.Table],
        AllFilters, "day", null);
    internal static readonly TileDefinition ByHour = new(TileKeys.MessagesByHour, "dashboards.tile.messages_by_hour",
        "dashboards.tile.messages_by_hour.description", TileGroups.Data, ChartKinds.Heatmap, [ChartKinds.Heatmap, ChartKinds.Table], AllFilters, "hour", "weekday");
    internal static readonly TileDefinition FirstResponse = new(TileKeys.FirstResponse, "dashboards.tile.first_response",
        "dashboards.tile.first_response.description", TileGroups.Information, ChartKinds.Figure, [ChartKinds.Figure, ChartKinds.Table], AllFilters, null, null);
    internal static readonly TileDefinition Funnel = new(TileKeys.Funnel, "dashboards.tile.funnel", "dashboards.tile.funnel.description",
        TileGroups.Knowledge, ChartKinds.Funnel, [ChartKinds.Funnel, ChartKinds.Table], AllFilters, "stage", null);
    internal static readonly TileDefinition Channels = new(TileKeys.Channels, "dashboards.tile.channels", "dashboards.tile.channels.description",
        TileGroups.Knowledge, ChartKinds.Bar, [ChartKinds.Bar, ChartKinds.Table], [FilterNames.Account, FilterNames.Queue], "channel", null);

    internal static readonly TileDefinition Backlog = new(TileKeys.Backlog, "dashboards.tile.backlog", "dashboards.tile.backlog.description",
        TileGroups.Data, ChartKinds.Bar, [ChartKinds.Bar, ChartKinds.Table], [FilterNames.Account, FilterNames.Queue], "queue", null, Live: true);

    private static TileColumn Col(string key, string type) => new(key, type, "dashboards.col." + key);

    internal static TileResult Answer(string key) => key switch
    {
        TileKeys.Conversations => new(key, [Col("day", ColumnTypes.Time), Col("opened", ColumnTypes.Number), Col("resolved", ColumnTypes.Number), Col("reopened", ColumnTypes.Number)],
            [["2026-12-03", 12, 10, 1], ["2026-12-04", 8, 5, 0]],
            [["2026-11-26", 10, 10, 2]], new DateOnly(2026, 11, 21), new DateOnly(2026, 11, 27), Now.UtcDateTime, Now.UtcDateTime, "Europe/Madrid"),
        TileKeys.MessagesByHour => new(key, [Col("weekday", ColumnTypes.Number), Col("hour", ColumnTypes.Number), Col("messages", ColumnTypes.Number)],
            [[1, 9, 14], [1, 10, 6], [7, 23, 2]], null, null, null, Now.UtcDateTime, Now.UtcDateTime, "Europe/Madrid"),
        TileKeys.FirstResponse => new(key, [Col("median_seconds", ColumnTypes.DurationSeconds), Col("p90_seconds", ColumnTypes.DurationSeconds),
                Col("answered", ColumnTypes.Number)],
            [[95, 600, 40]], [[120, 540, 32]], new DateOnly(2026, 11, 21), new DateOnly(2026, 11, 27), Now.UtcDateTime, Now.UtcDateTime, "Europe/Madrid"),
        TileKeys.Funnel => new(key, [Col("stage_key", ColumnTypes.Text), Col("stage", ColumnTypes.Text), Col("conversations", ColumnTypes.Number),
                Col("conversion_pct", ColumnTypes.Percent), Col("overall_pct", ColumnTypes.Percent)],
            [["contacted", "Contacted", 200, null, 100], ["replied", "Replied", 120, 60, 60], ["won", "Won", 30, 25, 15]],
            null, null, null, Now.UtcDateTime, Now.UtcDateTime, "Europe/Madrid"),
        _ => new(key, [Col("channel", ColumnTypes.Text), Col("opened", ColumnTypes.Number), Col("first_response_median", ColumnTypes.DurationSeconds)],
            [["whatsapp", 30, 60], ["instagram", 12, 240]], null, null, null, Now.UtcDateTime, Now.UtcDateTime, "Europe/Madrid"),
    };

    private static string? English(string key) => key switch
    {
        "dashboards.col.day" => "Day", "dashboards.col.opened" => "Opened", "dashboards.col.messages" => "Messages",
        "dashboards.value.channel.whatsapp" => "WhatsApp", _ => null,
    };

    // ----- The view in the address -----

    [Fact]
    public void The_address_holds_the_view_and_gives_the_Core_APIs_filter()
    {
        var view = DashboardView.Parse("?range=30d&channel=whatsapp&queueId=4&userId=9&tile=funnel&flowId=abc&accountId=-2");
        Assert.Equal(new DashboardView(DashboardView.Month, Channel: "whatsapp", QueueId: 4, UserId: 9, Tile: "funnel"), view);
        Assert.Equal("range=30d&channel=whatsapp&queueId=4&userId=9&tile=funnel", view.PageQuery());
        Assert.Equal(view, DashboardView.Parse("?" + view.PageQuery()));

        var filter = view.Filter(new DateOnly(2026, 12, 4));
        Assert.Equal("from=2026-11-05&to=2026-12-04&channel=whatsapp&queueId=4&userId=9&compare=true", DashboardView.ApiQuery(filter));
        Assert.Equal((new DateOnly(2026, 12, 4), new DateOnly(2026, 12, 4)), new DashboardView(DashboardView.Today).Days(new DateOnly(2026, 12, 4)));
        Assert.Equal((new DateOnly(2026, 11, 28), new DateOnly(2026, 12, 4)), DashboardView.Parse("").Days(new DateOnly(2026, 12, 4)));
        Assert.Equal("", DashboardView.Parse("").PageQuery());

        var custom = DashboardView.Parse("?range=custom&from=2026-10-01&to=2026-10-31&channel=telegram");
        Assert.Null(custom.Channel);
        Assert.Equal("range=custom&from=2026-10-01&to=2026-10-31", custom.PageQuery());
        Assert.Equal((new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 31)), custom.Days(new DateOnly(2026, 12, 4)));
        // Backwards, or longer than the Core API answers: the last 7 days instead.
        Assert.Equal(new DateOnly(2026, 11, 28), DashboardView.Parse("?range=custom&from=2026-10-31&to=2026-10-01").Days(new DateOnly(2026, 12, 4)).From);
        Assert.Equal(new DateOnly(2026, 11, 28), DashboardView.Parse("?range=custom&from=2024-01-01&to=2026-10-01").Days(new DateOnly(2026, 12, 4)).From);
    }

    [Fact]
    public void Today_is_the_projects_day_not_the_servers()
    {
        var lateUtc = new DateTimeOffset(2026, 12, 4, 23, 30, 0, TimeSpan.Zero);
        Assert.Equal(new DateOnly(2026, 12, 5), DashboardView.TodayIn("Europe/Madrid", lateUtc));
        Assert.Equal(new DateOnly(2026, 12, 4), DashboardView.TodayIn("America/Mexico_City", lateUtc));
        Assert.Equal(new DateOnly(2026, 12, 4), DashboardView.TodayIn("Not/AZone", lateUtc));
        Assert.Equal(new DateOnly(2026, 12, 4), DashboardView.TodayIn(null, lateUtc));
    }

    // ----- Tiles as tables and figures -----

    [Fact]
    public void A_daily_tile_is_a_row_a_day_with_a_column_a_measure()
    {
        var table = TileTables.Table(Conversations, Answer(TileKeys.Conversations), "Conversations", ChartKinds.Line, English);
        Assert.Equal("Day", table.RowHeader);
        // A header without a translation shows its key.
        Assert.Equal(["Opened", "resolved", "reopened"], table.Columns.Select(c => c.Name).ToArray());
        Assert.Equal(["Thu 3 Dec", "Fri 4 Dec"], table.Rows.Select(r => r.Label).ToArray());
        Assert.Equal(["2026-12-03", "2026-12-04"], table.Rows.Select(r => r.Key!).ToArray());
        Assert.Equal([12.0, 10, 1], table.Rows[0].Values);

        var figures = TileTables.Figures(Conversations, Answer(TileKeys.Conversations), English);
        Assert.Equal(["opened", "resolved", "reopened"], figures.Select(f => f.Key).ToArray());
        Assert.Equal((20.0, 10.0), (figures[0].Value!.Value, figures[0].Previous!.Value));
        Assert.True(figures[2].LowerIsBetter);
        Assert.False(figures[0].LowerIsBetter);
    }

    [Fact]
    public void A_one_row_tile_reads_as_its_measures_this_period_beside_the_previous()
    {
        var table = TileTables.Table(FirstResponse, Answer(TileKeys.FirstResponse), "First response", ChartKinds.Table, English);
        Assert.Equal(["Current", "Previous"], table.Columns.Select(c => c.Name).ToArray());
        Assert.Equal(["median_seconds", "p90_seconds", "answered"], table.Rows.Select(r => r.Key!).ToArray());
        Assert.Equal("1 min 35 s", ChartTable.Format(table.Rows[0].Values[0], table.FormatOf(table.Rows[0], 0)));
        Assert.Equal("32", ChartTable.Format(table.Rows[2].Values[1], table.FormatOf(table.Rows[2], 1)));

        var figures = TileTables.Figures(FirstResponse, Answer(TileKeys.FirstResponse), English);
        Assert.Equal(["median_seconds", "p90_seconds", "answered"], figures.Select(f => f.Key).ToArray());
        Assert.Equal(ValueFormat.Seconds, figures[0].Format);
        Assert.Equal(TrendDirection.Down, figures[0].Trend!.Direction);
        Assert.Equal("good", figures[0].Trend!.Tone);
    }

    [Fact]
    public void The_heat_map_of_hours_has_every_weekday_and_hour_named_in_the_culture()
    {
        // The catalog's heat map: hours down (x), weekdays across (the series).
        var table = TileTables.Table(ByHour, Answer(TileKeys.MessagesByHour), "By hour", ChartKinds.Heatmap, English);
        Assert.Equal(24, table.Rows.Count);
        Assert.Equal(7, table.Columns.Count);
        Assert.Equal("Monday", table.Columns[0].Name);
        Assert.Equal("Sunday", table.Columns[6].Name);
        Assert.Equal("09", table.Rows[9].Label);
        Assert.Equal(14, table.Rows[9].Values[0]);
        Assert.Equal(0, table.Rows[12].Values[3]);
        Assert.Equal(2, table.Rows[23].Values[6]);

        System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("es");
        Assert.Equal("lunes", TileTables.Table(ByHour, Answer(TileKeys.MessagesByHour), "x", ChartKinds.Heatmap, English).Columns[0].Name);
    }

    [Fact]
    public void Series_named_by_a_column_become_columns_and_codes_are_translated()
    {
        var messages = new TileDefinition(TileKeys.Messages, "t", "d", TileGroups.Data, ChartKinds.StackedBar, [ChartKinds.StackedBar], AllFilters, "day", "channel");
        var result = new TileResult(TileKeys.Messages, [Col("day", ColumnTypes.Time), Col("channel", ColumnTypes.Text), Col("sender_kind", ColumnTypes.Text),
                Col("messages", ColumnTypes.Number)],
            [["2026-12-03", "whatsapp", "customer", 5], ["2026-12-03", "whatsapp", "person", 4], ["2026-12-03", "instagram", "customer", 2],
             ["2026-12-04", "instagram", "bot", 1]],
            null, null, null, Now.UtcDateTime, null, "UTC");
        var table = TileTables.Table(messages, result, "Messages", ChartKinds.StackedBar, English);
        Assert.Equal(["WhatsApp", "instagram"], table.Columns.Select(c => c.Name).ToArray());
        Assert.Equal([9.0, 2], table.Rows[0].Values);
        Assert.Equal([null, 1.0], table.Rows[1].Values);
    }

    // ----- Layout editing -----

    [Fact]
    public void Layout_edits_add_once_remove_move_within_a_group_resize_and_redraw()
    {
        string? Group(string key) => new[] { Conversations, ByHour, FirstResponse, Funnel }.FirstOrDefault(t => t.Key == key)?.Group;
        LayoutTile[] tiles = [new(TileKeys.Conversations), new(TileKeys.FirstResponse, "s"), new(TileKeys.Funnel, "l")];

        var added = LayoutEditing.Add(tiles, ByHour);
        Assert.Equal(new LayoutTile(TileKeys.MessagesByHour, "m"), added[^1]);
        Assert.Same(added, LayoutEditing.Add(added, ByHour));
        Assert.Equal(new LayoutTile(TileKeys.FirstResponse, "s"), LayoutEditing.Add([], FirstResponse)[0]);

        // messages_by_hour moves up past funnel and first_response (other groups) to just before conversations.
        var moved = LayoutEditing.Move(added, TileKeys.MessagesByHour, -1, Group);
        Assert.Equal([TileKeys.MessagesByHour, TileKeys.Conversations, TileKeys.FirstResponse, TileKeys.Funnel], moved.Select(t => t.Key).ToArray());
        Assert.Equal([TileKeys.Conversations, TileKeys.MessagesByHour, TileKeys.FirstResponse, TileKeys.Funnel],
            LayoutEditing.Move(moved, TileKeys.MessagesByHour, 1, Group).Select(t => t.Key).ToArray());
        Assert.True(LayoutEditing.IsEdge(moved, TileKeys.MessagesByHour, -1, Group));
        Assert.True(LayoutEditing.IsEdge(moved, TileKeys.Funnel, 1, Group));

        Assert.Equal("l", LayoutEditing.Resize(tiles, TileKeys.Conversations, "l")[0].Size);
        Assert.Same(tiles, LayoutEditing.Resize(tiles, TileKeys.Conversations, "xl"));
        Assert.Equal(ChartKinds.Bar, LayoutEditing.Draw(tiles, Conversations, ChartKinds.Bar)[0].Chart);
        Assert.Null(LayoutEditing.Draw(tiles, Conversations, ChartKinds.Line)[0].Chart);
        Assert.Same(tiles, LayoutEditing.Draw(tiles, Conversations, ChartKinds.Heatmap));
        Assert.Equal([TileKeys.Conversations, TileKeys.Funnel], LayoutEditing.Remove(tiles, TileKeys.FirstResponse).Select(t => t.Key).ToArray());
    }

    // ----- Live refresh -----

    [Fact]
    public void Changes_within_a_minute_read_a_group_once_and_a_group_whose_rollups_lag_is_read_again()
    {
        var throttle = new RefreshThrottle(TimeSpan.FromMinutes(1));
        throttle.Read("data", Now);
        throttle.Changed(["data"], Now.AddSeconds(10));
        Assert.Empty(throttle.Due(Now.AddSeconds(10)));
        throttle.Changed(["data"], Now.AddSeconds(30));
        Assert.Equal(["data"], throttle.Due(Now.AddSeconds(60)));
        // Read with rollups complete only up to before the change: still stale, read again a minute later.
        throttle.Read("data", Now.AddSeconds(60), Now.AddSeconds(5));
        Assert.True(throttle.IsStale("data"));
        Assert.Empty(throttle.Due(Now.AddSeconds(90)));
        Assert.Equal(["data"], throttle.Due(Now.AddSeconds(120)));
        throttle.Read("data", Now.AddSeconds(120), Now.AddSeconds(115));
        Assert.False(throttle.IsStale("data"));
        Assert.Empty(throttle.Due(Now.AddSeconds(500)));
    }
}
