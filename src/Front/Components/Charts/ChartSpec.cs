using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using PlotLayout = Plotly.Blazor.Layout;

namespace MultichannelMessages.Front.Components.Charts;

/// <summary>What one chart draws: its traces and the axis titles; <see cref="Chart"/> adds the theme's layout.
/// <paramref name="CategoryX"/>: the x values are names (bars per channel, hours), not numbers. <paramref name="Stacked"/>:
/// bars of one x on top of each other. <paramref name="ReverseY"/>: the first category at the top (a heat map's Monday).
/// </summary>
public sealed record ChartSpec(IList<ITrace> Traces, string? XTitle = null, string? YTitle = null, bool TimeAxis = false, bool ShowLegend = true,
    int Height = 240, double? YMax = null, int LeftMargin = 48, IList<object>? XRange = null, bool CategoryX = false, bool Stacked = false,
    bool ReverseY = false, string? YSuffix = null)
{
    public PlotLayout Layout(ChartTheme theme) => new()
    {
        PaperBgColor = "rgba(0,0,0,0)",
        PlotBgColor = "rgba(0,0,0,0)",
        Font = new Font { Color = theme.Text, Family = theme.Font, Size = 12 },
        Height = Height,
        Margin = new Margin { L = LeftMargin, R = 12, T = 8, B = 40 },
        ShowLegend = ShowLegend,
        BarMode = Stacked ? Plotly.Blazor.LayoutLib.BarModeEnum.Stack : null,
        Legend = [new Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H, Y = -0.25m, Font = new Plotly.Blazor.LayoutLib.LegendLib.Font { Color = theme.Muted } }],
        XAxis =
        [
            new XAxis
            {
                GridColor = theme.Grid, LineColor = theme.Grid, ZeroLineColor = theme.Grid, Color = theme.Muted,
                Type = TimeAxis ? Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Date
                    : CategoryX ? Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Category : Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Linear,
                Title = XTitle is null ? null : new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = XTitle },
                Range = XRange,
            },
        ],
        YAxis =
        [
            new YAxis
            {
                GridColor = theme.Grid, LineColor = theme.Grid, ZeroLineColor = theme.Grid, Color = theme.Muted,
                Title = YTitle is null ? null : new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = YTitle },
                Range = YMax is { } max ? [0, max] : null, RangeMode = Plotly.Blazor.LayoutLib.YAxisLib.RangeModeEnum.ToZero,
                AutoRange = ReverseY ? Plotly.Blazor.LayoutLib.YAxisLib.AutoRangeEnum.Reversed : null, TickSuffix = YSuffix,
            },
        ],
    };
}
