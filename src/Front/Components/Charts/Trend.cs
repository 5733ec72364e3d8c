namespace MultichannelMessages.Front.Components.Charts;

public enum TrendDirection { Up, Down, Flat }

/// <summary>A figure against the previous period of equal length: its direction and change in percent. The percent is
/// null when there was nothing before (0 → 5 is new, not +∞ %). Whether up is good depends on the figure
/// (<paramref name="LowerIsBetter"/>: response times, failures).</summary>
public sealed record Trend(TrendDirection Direction, double? Percent, bool LowerIsBetter)
{
    /// <summary>Null when either side is unknown (no comparison asked, or nothing to measure).</summary>
    public static Trend? Of(double? value, double? previous, bool lowerIsBetter = false)
    {
        if (value is not { } now || previous is not { } before) return null;
        var direction = Math.Abs(now - before) < 1e-9 ? TrendDirection.Flat : now > before ? TrendDirection.Up : TrendDirection.Down;
        double? percent = before == 0 ? (now == 0 ? 0 : null) : Math.Round((now - before) / Math.Abs(before) * 100, 1);
        return new Trend(direction, percent, lowerIsBetter);
    }

    /// <summary>good, bad or neutral: the tone the arrow is drawn in.</summary>
    public string Tone => Direction == TrendDirection.Flat ? "neutral"
        : (Direction == TrendDirection.Down) == LowerIsBetter ? "good" : "bad";

    public string Arrow => Direction switch { TrendDirection.Up => "▲", TrendDirection.Down => "▼", _ => "■" };
}

/// <summary>One big number of a figure tile, with the previous period's for its trend.</summary>
public sealed record Figure(string Key, string Label, double? Value, ValueFormat Format, double? Previous = null, bool LowerIsBetter = false)
{
    public Trend? Trend => Trend.Of(Value, Previous, LowerIsBetter);
}
