using System.Globalization;
using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace MultichannelMessages.Front.Components.Charts;

/// <summary>
/// A <see cref="ChartTable"/> drawn as lines, bars (grouped or stacked), a funnel or a heat map, each series in the
/// theme's series colours. One axis holds one kind of number: where the table has counts, the counts are drawn (a
/// channel's opened and resolved, not its median beside them); else every column (all durations, all percentages).
/// Durations are drawn in minutes (an axis of seconds up to 3,600 reads badly). The table view keeps every column exact.
/// </summary>
public static class ChartSpecs
{
    public static ChartSpec Lines(ChartTable table, ChartTheme theme)
    {
        var drawn = Drawn(table);
        return new([.. drawn.Select((c, i) => (ITrace)new Scatter
        {
            Name = table.Columns[c].Name, X = X(table), Y = Y(table, c),
            Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
            Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = Colour(theme, i), Width = 2 },
            Marker = new Plotly.Blazor.Traces.ScatterLib.Marker { Color = Colour(theme, i), Size = 5 },
        })], YTitle: Unit(table, drawn), CategoryX: true, ShowLegend: drawn.Count > 1, YSuffix: Suffix(table, drawn));
    }

    public static ChartSpec Bars(ChartTable table, ChartTheme theme, bool stacked)
    {
        var drawn = Drawn(table);
        return new([.. drawn.Select((c, i) => (ITrace)new Bar
        {
            Name = table.Columns[c].Name, X = X(table), Y = Y(table, c),
            Marker = new Plotly.Blazor.Traces.BarLib.Marker { Color = Colour(theme, i) },
        })], YTitle: Unit(table, drawn), CategoryX: true, Stacked: stacked, ShowLegend: drawn.Count > 1,
            YSuffix: Suffix(table, drawn));
    }

    /// <summary>The columns a line or bar chart draws: the counts if there are any, else all.</summary>
    public static IReadOnlyList<int> Drawn(ChartTable table)
    {
        var all = Enumerable.Range(0, table.Columns.Count).ToList();
        var counts = all.Where(i => table.Columns[i].Format == ValueFormat.Count).ToList();
        return counts.Count > 0 ? counts : all;
    }

    /// <summary>A funnel as horizontal bars, first stage on top (plotly's cartesian bundle has no funnel trace): each bar
    /// says its count and, from the second stage on, the conversion from the stage before (the table's column
    /// <paramref name="conversionColumn"/>, or computed from the counts).</summary>
    public static ChartSpec Funnel(ChartTable table, ChartTheme theme, int countColumn = 0, int? conversionColumn = null)
    {
        var bars = new List<(string Label, long Count, string Color)>();
        var labels = new List<string>();
        double? before = null;
        foreach (var row in table.Rows)
        {
            var count = row.Values[countColumn] ?? 0;
            var conversion = conversionColumn is { } c ? row.Values[c] : before is > 0 ? count * 100 / before : null;
            labels.Add(count.ToString("N0", CultureInfo.CurrentCulture)
                + (before is null || conversion is null ? "" : " · " + ChartTable.Format(conversion, ValueFormat.Percent)));
            bars.Add((row.Label, (long)count, theme.Accent));
            before = count;
        }
        var spec = HorizontalBars.Of(bars, leftMargin: 120);
        var bar = (Bar)spec.Traces[0];
        labels.Reverse();
        bar.TextArray = [.. labels];
        return spec;
    }

    /// <summary>Rows on the y axis (the first on top), columns on the x axis, the value as colour; every cell also has
    /// its number on hover, and the table view has them all.</summary>
    public static ChartSpec HeatMap(ChartTable table, ChartTheme theme) =>
        new([new HeatMap
        {
            X = [.. table.Columns.Select(c => (object)c.Name)], Y = [.. table.Rows.Select(r => (object)r.Label)],
            Z = [.. table.Rows.Select(r => (object)r.Values.Select(v => (object?)v ?? 0d).ToList())],
            ColorScale = theme.HeatScale, XGap = 1, YGap = 1, ShowScale = true,
        }], CategoryX: true, ReverseY: true, ShowLegend: false, LeftMargin: 96, Height: 260);

    /// <summary>The rows by their labels, days included ("Fri 4 Dec", "vie 4 dic"): plotly's date axis would write its
    /// own English dates and times of day, where a day is all the dashboards count by.</summary>
    private static IList<object> X(ChartTable table) => [.. table.Rows.Select(r => (object)r.Label)];

    private static IList<object> Y(ChartTable table, int column)
    {
        var minutes = table.Columns[column].Format == ValueFormat.Seconds;
        return [.. table.Rows.Select(r => r.Values[column] is { } v ? (object)(minutes ? Math.Round(v / 60, 1) : v) : null!)];
    }

    private static string Colour(ChartTheme theme, int i) => theme.Series[i % theme.Series.Count];

    private static string? Unit(ChartTable table, IReadOnlyList<int> drawn) =>
        drawn.All(c => table.Columns[c].Format == ValueFormat.Seconds) ? "min" : null;

    private static string? Suffix(ChartTable table, IReadOnlyList<int> drawn) =>
        drawn.All(c => table.Columns[c].Format == ValueFormat.Percent) ? " %" : null;
}
