using System.Globalization;

namespace MultichannelMessages.Front.Components.Charts;

/// <summary>How a column's numbers read: counts, durations in seconds, percentages (0–100), or plain decimals.</summary>
public enum ValueFormat { Count, Seconds, Percent, Decimal }

/// <summary>A column: its header, how its numbers read, and the key of the data it came from.</summary>
public sealed record ChartColumn(string Name, ValueFormat Format = ValueFormat.Count, string? Key = null);

/// <summary>One row: its label as people read it (the chart's axis too), and its key where a machine reads another (a day as
/// yyyy-MM-dd: the CSV takes the key). <paramref name="Format"/>, when given, is how this
/// row's numbers read whatever the column (a table of different measures, one a row).</summary>
public sealed record ChartRow(string Label, IReadOnlyList<double?> Values, string? Key = null, ValueFormat? Format = null);

/// <summary>
/// The numbers one chart draws, as a table: rows are its categories (days, stages, weekdays), columns its series. The
/// chart, its table view and its CSV are all made from this one record, so they cannot disagree.
/// </summary>
public sealed record ChartTable(string Caption, string RowHeader, IReadOnlyList<ChartColumn> Columns, IReadOnlyList<ChartRow> Rows)
{
    public int Points => Rows.Sum(r => r.Values.Count(v => v is not null));

    /// <summary>The index of the column made from the data's <paramref name="key"/>, or -1.</summary>
    public int Column(string key) => Columns.ToList().FindIndex(c => c.Key == key);

    /// <summary>How a cell reads: its row's format if it has one, else its column's.</summary>
    public ValueFormat FormatOf(ChartRow row, int column) => row.Format ?? Columns[column].Format;

    /// <summary>A value as the table view shows it, in the current culture ("—" when there is none).</summary>
    public static string Format(double? value, ValueFormat format) => value switch
    {
        null => "—",
        { } v => format switch
        {
            ValueFormat.Count => v.ToString("N0", CultureInfo.CurrentCulture),
            ValueFormat.Percent => (v / 100).ToString("P1", CultureInfo.CurrentCulture),
            ValueFormat.Seconds => Duration(v),
            _ => v.ToString("N2", CultureInfo.CurrentCulture),
        },
    };

    /// <summary>A duration at the precision people use for response times: 45 s, 3 min 20 s, 2 h 05 min, 3 d 4 h.</summary>
    public static string Duration(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Round(Math.Max(0, seconds)));
        return t.TotalMinutes < 1 ? $"{t.Seconds} s"
            : t.TotalHours < 1 ? $"{t.Minutes} min {t.Seconds:00} s"
            : t.TotalDays < 1 ? $"{t.Hours} h {t.Minutes:00} min"
            : $"{(int)t.TotalDays} d {t.Hours} h";
    }
}
