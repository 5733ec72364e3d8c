using Plotly.Blazor.Traces;

namespace MultichannelMessages.Front.Components.Charts;

/// <summary>Labelled counts as horizontal bars, the first on top, each count written beside its bar (a funnel, a table
/// of outcomes): the console's plotly bundle (cartesian, see PlotlyBundle) has no funnel trace.</summary>
public static class HorizontalBars
{
    public static ChartSpec Of(IReadOnlyList<(string Label, long Count, string Color)> bars, int? height = null, int leftMargin = 96)
    {
        var rows = bars.Reverse().ToList();
        return new ChartSpec([
            new Bar
            {
                Orientation = Plotly.Blazor.Traces.BarLib.OrientationEnum.H,
                Y = rows.Select(r => (object)r.Label).ToList(), X = rows.Select(r => (object)r.Count).ToList(),
                TextArray = rows.Select(r => r.Count.ToString("N0", System.Globalization.CultureInfo.CurrentCulture)).ToList(),
                TextPosition = Plotly.Blazor.Traces.BarLib.TextPositionEnum.Outside,
                Marker = new Plotly.Blazor.Traces.BarLib.Marker { ColorArray = rows.Select(r => (object)r.Color).ToList() },
            },
        ], ShowLegend: false, Height: height ?? Math.Max(140, 60 + 26 * rows.Count), LeftMargin: leftMargin);
    }
}
