using System.Globalization;
using MultichannelMessages.Front.Components.Charts;

namespace MultichannelMessages.Front.Components.Dashboards;

/// <summary>
/// A tile's answer (<see cref="TileResult"/>: typed columns, rows of JSON values) as what the console draws: a
/// <see cref="ChartTable"/> for its chart, table view and CSV, or <see cref="Figure"/>s. Nothing here knows a tile by
/// name: the catalog entry says which column is the x axis and which names the series, the column types say how
/// values read. <paramref name="text"/> looks up a translation (null when there is none: the raw value shows).
/// </summary>
public static class TileTables
{
    public static ChartTable Table(TileDefinition tile, TileResult result, string caption, string kind, Func<string, string?> text)
    {
        var x = tile.X is null ? -1 : result.Column(tile.X);
        var series = tile.Series is null ? -1 : result.Column(tile.Series);
        if (x >= 0 && series >= 0) return Pivot(result, x, series, caption, kind == ChartKinds.Heatmap, text);
        if (x < 0 && result.Rows.Length <= 1) return Measures(result, caption, text);
        var values = Measured(result, x).ToList();
        var rows = result.Rows.Select((row, i) => x >= 0
            ? RowOf(result.Columns[x], row[x], [.. values.Select(v => TileResult.Number(row[v]))], text)
            : new ChartRow((i + 1).ToString(CultureInfo.CurrentCulture), [.. values.Select(v => TileResult.Number(row[v]))]));
        return new ChartTable(caption, x >= 0 ? Header(result.Columns[x], text) : "#",
            [.. values.Select(v => new ChartColumn(Header(result.Columns[v], text), FormatOf(result.Columns[v].Type), result.Columns[v].Key))],
            [.. TimeRows(rows, result.Columns.ElementAtOrDefault(x))]);
    }

    /// <summary>The tile's big numbers: each measured column over the period (a sum of counts; a duration or a
    /// percentage only where the answer is one row, since those do not add up), against the previous period; at most four.</summary>
    public static IReadOnlyList<Figure> Figures(TileDefinition tile, TileResult result, Func<string, string?> text)
    {
        var x = tile.X is null ? -1 : result.Column(tile.X);
        var figures = new List<Figure>();
        foreach (var v in Measured(result, x))
        {
            var column = result.Columns[v];
            var format = FormatOf(column.Type);
            if (format != ValueFormat.Count && result.Rows.Length > 1) continue;
            // The clock-time variants of business-hours figures stay in the table view: the tile says the first.
            if (column.Key.Contains("_wall_", StringComparison.Ordinal)) continue;
            figures.Add(new Figure(column.Key, Header(column, text), Summary(result.Rows, v, format),
                format, result.Previous is { } previous ? Summary(previous, v, format) : null, LowerIsBetter(column)));
        }
        return figures.Take(4).ToList();
    }

    public static ValueFormat FormatOf(string columnType) => columnType switch
    {
        ColumnTypes.DurationSeconds => ValueFormat.Seconds,
        ColumnTypes.Percent => ValueFormat.Percent,
        _ => ValueFormat.Count,
    };

    /// <summary>Response times, failures, expiries and waiting go down when things go well (time online does not).</summary>
    public static bool LowerIsBetter(TileColumn column) =>
        column.Type == ColumnTypes.DurationSeconds && !column.Key.Contains("online", StringComparison.Ordinal)
        || new[] { "fail", "expir", "unread", "waiting", "unassigned", "reopen", "away" }.Any(word => column.Key.Contains(word, StringComparison.Ordinal));

    /// <summary>The columns with numbers to draw: counts, durations and percentages, not ids nor the x axis.</summary>
    private static IEnumerable<int> Measured(TileResult result, int x) =>
        Enumerable.Range(0, result.Columns.Length).Where(i => i != x && result.Columns[i].Type is ColumnTypes.Number or ColumnTypes.DurationSeconds
            or ColumnTypes.Percent && !result.Columns[i].Key.EndsWith("_id", StringComparison.Ordinal) && result.Columns[i].Key is not ("weekday" or "hour"));

    private static double? Summary(object?[][] rows, int column, ValueFormat format) =>
        rows.Length == 0 ? (format == ValueFormat.Count ? 0 : null)
        : rows.Length == 1 ? TileResult.Number(rows[0][column])
        : rows.Sum(r => TileResult.Number(r[column]) ?? 0);

    /// <summary>A one-row answer (a median, a p90) read as a table of its measures, this period beside the previous.</summary>
    private static ChartTable Measures(TileResult result, string caption, Func<string, string?> text)
    {
        var row = result.Rows.FirstOrDefault();
        var previous = result.Previous?.FirstOrDefault();
        var columns = new List<ChartColumn> { new(text("dashboards.period.current") ?? "Current", Key: "current") };
        if (result.Previous is not null) columns.Add(new ChartColumn(text("dashboards.period.previous") ?? "Previous", Key: "previous"));
        var rows = Measured(result, -1).Select(i => new ChartRow(Header(result.Columns[i], text),
            result.Previous is null ? [TileResult.Number(row?[i])] : [TileResult.Number(row?[i]), TileResult.Number(previous?[i])],
            result.Columns[i].Key, FormatOf(result.Columns[i].Type)));
        return new ChartTable(caption, text("dashboards.measure") ?? "Measure", columns, [.. rows]);
    }

    /// <summary>Rows by the x column, columns by the series column's values, each cell the sum of the first measured
    /// column: messages per day and channel, per weekday and hour. A heat map of hours has all 7 × 24 cells.</summary>
    private static ChartTable Pivot(TileResult result, int x, int series, string caption, bool fill, Func<string, string?> text)
    {
        var value = Measured(result, x).Where(i => i != series).DefaultIfEmpty(-1).First();
        if (value < 0) return new ChartTable(caption, Header(result.Columns[x], text), [], []);
        var xs = Distinct(result, x, fill);
        var ss = Distinct(result, series, fill);
        var sums = new Dictionary<(string, string), double>();
        foreach (var row in result.Rows)
        {
            var cell = (Key(row[x]), Key(row[series]));
            sums[cell] = sums.GetValueOrDefault(cell) + (TileResult.Number(row[value]) ?? 0);
        }
        var format = FormatOf(result.Columns[value].Type);
        var columns = ss.Select(s => new ChartColumn(Label(result.Columns[series], s, text), format, Key(s))).ToList();
        var rows = xs.Select(r => RowOf(result.Columns[x], r, [.. ss.Select(s => sums.TryGetValue((Key(r), Key(s)), out var v) ? v : fill ? 0 : (double?)null)], text));
        return new ChartTable(caption, Header(result.Columns[x], text), columns, [.. TimeRows(rows, result.Columns[x])]);
    }

    private static List<object?> Distinct(TileResult result, int column, bool fill)
    {
        var key = result.Columns[column].Key;
        if (fill && key == "weekday") return [.. Enumerable.Range(1, 7).Select(d => (object?)(double)d)];
        if (fill && key == "hour") return [.. Enumerable.Range(0, 24).Select(h => (object?)(double)h)];
        var seen = new HashSet<string>();
        return [.. result.Rows.Select(r => r[column]).Where(v => seen.Add(Key(v)))];
    }

    private static string Key(object? value) => TileResult.Number(value) is { } n ? n.ToString(CultureInfo.InvariantCulture) : TileResult.Text(value) ?? "";

    private static ChartRow RowOf(TileColumn column, object? value, IReadOnlyList<double?> values, Func<string, string?> text) =>
        column.Type == ColumnTypes.Time ? new ChartRow(TileResult.Text(value) ?? "", values, TileResult.Text(value))
            : new ChartRow(Label(column, value, text), values);

    private static string Header(TileColumn column, Func<string, string?> text) => text(column.LabelKey) ?? column.Key;

    /// <summary>A cell as a row or series name: weekdays and hours by name, codes (channel, reason) translated.</summary>
    public static string Label(TileColumn column, object? value, Func<string, string?> text)
    {
        if (column.Key == "weekday" && TileResult.Number(value) is { } day)
            return CultureInfo.CurrentCulture.DateTimeFormat.GetDayName((DayOfWeek)((int)day % 7));
        if (column.Key == "hour" && TileResult.Number(value) is { } hour) return ((int)hour).ToString("00", CultureInfo.InvariantCulture);
        var raw = Key(value);
        return raw.Length == 0 ? "—" : text($"dashboards.value.{column.Key}.{raw}") ?? raw;
    }

    /// <summary>Time buckets: the label as people read it (a day, or a day and an hour; the chart's axis too), the key as
    /// the CSV takes it. Days come as yyyy-MM-dd in the project's time zone; an hour bucket (with its offset) keeps
    /// its local time, not the offset: every bucket is in the project's time zone.</summary>
    private static IEnumerable<ChartRow> TimeRows(IEnumerable<ChartRow> rows, TileColumn? column)
    {
        if (column?.Type != ColumnTypes.Time) return rows;
        var list = rows.ToList();
        var times = list.Select(r => Bucket(r.Key)).ToList();
        var daily = times.All(t => t is null || t.Value.TimeOfDay == TimeSpan.Zero);
        return list.Select((r, i) => times[i] is not { } t ? r : r with
        {
            Label = t.ToString(daily ? "ddd d MMM" : "d MMM HH:mm", CultureInfo.CurrentCulture),
            Key = t.ToString(daily ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
        });
    }

    private static DateTime? Bucket(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day.ToDateTime(TimeOnly.MinValue)
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) ? at.DateTime
        : null;
}
