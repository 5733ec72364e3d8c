using System.Text;
using Bunit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Front.Auth;
using MultichannelMessages.Front.Components.Charts;
using Plotly.Blazor.Traces;

namespace MultichannelMessages.Front.Tests;

/// <summary>The charts' three forms of one table (the chart, its table view, its CSV), the figures' trends, and the
/// plotly bundle that draws heat maps.</summary>
public sealed class ChartTests : ComponentTest
{
    private static readonly ChartTable Daily = new("Conversations", "Day",
        [new ChartColumn("Opened", Key: "opened"), new ChartColumn("First response, median", ValueFormat.Seconds, "first_response_median")],
        [new ChartRow("Mon 30 Nov", [1200, 95], "2026-11-30"), new ChartRow("Tue 1 Dec", [7, null], "2026-12-01")]);

    private IRenderedComponent<ChartFrame> Frame(ChartTable table, bool withChart = true)
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        new FakeCoreApi().Register(Services);
        Services.AddScoped<ConsoleState>();
        return Render<ChartFrame>(p => p.Add(f => f.Table, table).Add(f => f.Spec, withChart ? theme => ChartSpecs.Lines(table, theme) : null));
    }

    [Fact]
    public void A_chart_turns_into_a_table_with_caption_and_headers_and_back()
    {
        var cut = Frame(Daily);
        Assert.Equal("chart", cut.Find(".chart-frame").GetAttribute("data-view"));
        Assert.Equal("Conversations: chart. The table view lists its numbers.", cut.Find(".chart").GetAttribute("aria-label"));
        Assert.Empty(cut.FindAll("table"));

        var toggle = cut.Find("[data-testid=chart-table-toggle]");
        Assert.Equal("false", toggle.GetAttribute("aria-pressed"));
        toggle.Click();
        Assert.Equal("true", cut.Find("[data-testid=chart-table-toggle]").GetAttribute("aria-pressed"));
        var table = cut.Find("[data-testid=chart-table]");
        Assert.Equal("Conversations", table.QuerySelector("caption")!.TextContent);
        Assert.Equal(["Day", "Opened", "First response, median"], table.QuerySelectorAll("thead th").Select(th => th.TextContent).ToArray());
        Assert.All(table.QuerySelectorAll("thead th"), th => Assert.Equal("col", th.GetAttribute("scope")));
        var rows = table.QuerySelectorAll("tbody tr");
        Assert.Equal("row", rows[0].QuerySelector("th")!.GetAttribute("scope"));
        Assert.Equal(["Mon 30 Nov", "1,200", "1 min 35 s"], rows[0].Children.Select(c => c.TextContent).ToArray());
        Assert.Equal(["Tue 1 Dec", "7", "—"], rows[1].Children.Select(c => c.TextContent).ToArray());
        Assert.Empty(cut.FindAll(".chart"));

        cut.Find("[data-testid=chart-table-toggle]").Click();
        Assert.Single(cut.FindAll(".chart"));
    }

    [Fact]
    public void A_table_only_tile_has_no_toggle_and_still_its_CSV()
    {
        var cut = Frame(Daily, withChart: false);
        Assert.Empty(cut.FindAll("[data-testid=chart-table-toggle]"));
        Assert.Single(cut.FindAll("[data-testid=chart-table]"));
        Assert.Single(cut.FindAll("[data-testid=chart-csv]"));
    }

    [Fact]
    public void A_table_without_rows_says_there_is_nothing_to_show_rather_than_an_empty_chart()
    {
        var cut = Frame(Daily with { Rows = [] });
        Assert.Equal("Nothing to show for this period and these filters.", cut.Find("[data-testid=chart-empty]").TextContent);
        Assert.Empty(cut.FindAll(".chart"));
        cut.Find("[data-testid=chart-table-toggle]").Click();
        Assert.Empty(cut.FindAll("[data-testid=chart-table]"));
    }

    [Fact]
    public void The_CSV_link_holds_the_tables_numbers_raw_with_its_headers()
    {
        var cut = Frame(Daily);
        var link = cut.Find("[data-testid=chart-csv]");
        Assert.Equal("conversations.csv", link.GetAttribute("download"));
        Assert.Equal("Download Conversations as CSV", link.GetAttribute("aria-label"));
        var href = link.GetAttribute("href")!;
        const string prefix = "data:text/csv;charset=utf-8;base64,";
        Assert.StartsWith(prefix, href);
        var bytes = Convert.FromBase64String(href[prefix.Length..]);
        Assert.Equal(Encoding.UTF8.GetPreamble(), bytes[..3]);
        Assert.Equal("Day,Opened,\"First response, median\"\r\n2026-11-30,1200,95\r\n2026-12-01,7,\r\n", Encoding.UTF8.GetString(bytes[3..]));
    }

    [Fact]
    public void A_CSV_cell_a_spreadsheet_would_run_as_a_formula_is_escaped_and_numbers_stay_invariant_in_Spanish()
    {
        System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("es");
        var table = new ChartTable("Motivos", "Motivo", [new ChartColumn("Tasa", ValueFormat.Percent)], [new ChartRow("=HYPERLINK(\"x\")", [12.5])]);
        var lines = ChartCsv.Of(table).Split("\r\n");
        Assert.Equal("Motivo,Tasa", lines[0]);
        Assert.False(lines[1].StartsWith('='), lines[1]);
        Assert.EndsWith(",12.5", lines[1]);
        Assert.Equal("12,5 %", ChartTable.Format(12.5, ValueFormat.Percent));
        Assert.Equal("motivos-por-canal.csv", ChartCsv.FileName("Motivos por canal"));
        Assert.Equal("tiempo-de-resolucion.csv", ChartCsv.FileName("Tiempo de resolución"));
    }

    [Theory]
    [InlineData(120.0, 100.0, false, "Up", 20.0, "good")]
    [InlineData(120.0, 100.0, true, "Up", 20.0, "bad")]
    [InlineData(80.0, 100.0, true, "Down", -20.0, "good")]
    [InlineData(80.0, 100.0, false, "Down", -20.0, "bad")]
    [InlineData(5.0, 0.0, false, "Up", null, "good")]
    [InlineData(0.0, 0.0, false, "Flat", 0.0, "neutral")]
    public void A_trend_compares_with_the_previous_period(double now, double before, bool lowerIsBetter, string direction, double? percent, string tone)
    {
        var trend = Trend.Of(now, before, lowerIsBetter)!;
        Assert.Equal(direction, trend.Direction.ToString());
        Assert.Equal(percent, trend.Percent);
        // Up is good unless lower is better (response times, failures).
        Assert.Equal(tone, trend.Tone);
        Assert.Null(Trend.Of(now, null));
        Assert.Null(Trend.Of(null, before));
    }

    [Fact]
    public void Figures_show_the_number_and_its_trend_in_words()
    {
        var cut = Render<FigureView>(p => p.Add(f => f.Figures, [
            new Figure("opened", "Opened", 125, ValueFormat.Count, 100),
            new Figure("median", "Median", 90, ValueFormat.Seconds, 120, LowerIsBetter: true),
            new Figure("resolved", "Resolved", 4, ValueFormat.Count, 0),
            new Figure("reopened", "Reopened", 3, ValueFormat.Count),
        ]));
        var figures = cut.FindAll("[data-testid=figure]");
        Assert.Equal("125", figures[0].QuerySelector("[data-testid=figure-value]")!.TextContent);
        Assert.Equal("up", figures[0].QuerySelector("[data-testid=figure-trend]")!.GetAttribute("data-direction"));
        Assert.Equal("▲ up 25.0% from the previous period", figures[0].QuerySelector("[data-testid=figure-trend]")!.TextContent.Trim());
        Assert.Contains("good", figures[0].QuerySelector("[data-testid=figure-trend]")!.ClassName);
        Assert.Equal("1 min 30 s", figures[1].QuerySelector("[data-testid=figure-value]")!.TextContent);
        Assert.Equal("▼ down 25.0% from the previous period", figures[1].QuerySelector("[data-testid=figure-trend]")!.TextContent.Trim());
        Assert.Contains("good", figures[1].QuerySelector("[data-testid=figure-trend]")!.ClassName);
        Assert.Equal("▲ was 0 in the previous period", figures[2].QuerySelector("[data-testid=figure-trend]")!.TextContent.Trim());
        Assert.Null(figures[3].QuerySelector("[data-testid=figure-trend]"));
        // The arrow is decoration: the words carry the direction.
        Assert.Equal("true", figures[0].QuerySelector("[data-testid=figure-trend] span")!.GetAttribute("aria-hidden"));
    }

    [Fact]
    public void Each_kind_of_chart_draws_the_tables_series()
    {
        // Counts and a duration in one table: one axis holds one kind of number, the counts are drawn.
        var opened = (Scatter)Assert.Single(ChartSpecs.Lines(Daily, ChartTheme.Dark).Traces);
        Assert.Equal("Opened", opened.Name);

        var times = new ChartTable("Response times", "Day",
            [new ChartColumn("Median", ValueFormat.Seconds), new ChartColumn("p90", ValueFormat.Seconds)],
            [new ChartRow("Mon 30 Nov", [95, 600], "2026-11-30"), new ChartRow("Tue 1 Dec", [null, 900], "2026-12-01")]);
        var lines = ChartSpecs.Lines(times, ChartTheme.Dark);
        Assert.Equal(2, lines.Traces.Count);
        Assert.Equal("min", lines.YTitle);
        var median = (Scatter)lines.Traces[0];
        Assert.Equal(["Mon 30 Nov", "Tue 1 Dec"], median.X);
        // Durations are drawn in minutes; a missing value is a gap.
        Assert.Equal(1.6, (double)median.Y[0]);
        Assert.Null(median.Y[1]);
        Assert.Equal(ChartTheme.Dark.Series[1], ((Scatter)lines.Traces[1]).Line.Color);

        var stacked = ChartSpecs.Bars(Daily, ChartTheme.Light, stacked: true);
        Assert.Equal(Plotly.Blazor.LayoutLib.BarModeEnum.Stack, stacked.Layout(ChartTheme.Light).BarMode);
        Assert.Equal(Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Category, stacked.Layout(ChartTheme.Light).XAxis[0].Type);

        var stages = new ChartTable("Funnel", "Stage", [new ChartColumn("Conversations"), new ChartColumn("Conversion", ValueFormat.Percent)],
            [new ChartRow("Contacted", [200, null]), new ChartRow("Replied", [120, 60]), new ChartRow("Won", [30, 25])]);
        var funnel = (Bar)ChartSpecs.Funnel(stages, ChartTheme.Dark, 0, 1).Traces[0];
        // First stage on top: plotly draws the first y at the bottom, so the bars are reversed.
        Assert.Equal(["Won", "Replied", "Contacted"], funnel.Y);
        Assert.Equal(["30 · 25.0%", "120 · 60.0%", "200"], funnel.TextArray);

        var hours = new ChartTable("By hour", "Weekday", [.. Enumerable.Range(0, 24).Select(h => new ChartColumn(h.ToString("00")))],
            [.. Enumerable.Range(0, 7).Select(d => new ChartRow("D" + d, [.. Enumerable.Range(0, 24).Select(h => (double?)(d * 24 + h))]))]);
        var heat = ChartSpecs.HeatMap(hours, ChartTheme.Light);
        var map = (HeatMap)heat.Traces[0];
        Assert.Equal(7, map.Z.Count);
        Assert.Equal(24, map.X.Count);
        Assert.Equal(Plotly.Blazor.LayoutLib.YAxisLib.AutoRangeEnum.Reversed, heat.Layout(ChartTheme.Light).YAxis[0].AutoRange);
    }
}

/// <summary>plotly's cartesian bundle (heat maps) is what the console serves where Plotly.Blazor asks for its basic one.</summary>
public sealed class PlotlyBundleTests : IAsyncLifetime
{
    private WebApplicationFactory<Program> _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            b.UseSetting("CoreApi:BaseAddress", "http://core.test/");
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task The_path_Plotly_Blazor_loads_serves_the_cartesian_bundle_from_the_console()
    {
        using var client = _factory.CreateClient();
        using var response = await client.GetAsync(PlotlyBundle.RequestedPath);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("javascript", response.Content.Headers.ContentType!.MediaType);
        var head = (await response.Content.ReadAsStringAsync())[..200];
        Assert.Contains("plotly.js (cartesian - minified) v3.7.0", head);
    }

    [Fact]
    public void Plotly_Blazor_still_asks_for_that_path()
    {
        // The path is compiled into Plotly.Blazor (a user string of its assembly): an update that moves it fails here,
        // rather than heat maps failing to draw in the browser.
        var assembly = File.ReadAllBytes(typeof(Plotly.Blazor.PlotlyChart).Assembly.Location);
        var needle = Encoding.Unicode.GetBytes("." + PlotlyBundle.RequestedPath);
        Assert.True(assembly.AsSpan().IndexOf(needle) >= 0, $"Plotly.Blazor no longer loads {PlotlyBundle.RequestedPath}");
    }
}
