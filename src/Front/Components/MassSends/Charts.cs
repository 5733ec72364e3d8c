using MultichannelMessages.Front.Components.Charts;
using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace MultichannelMessages.Front.Components.MassSends;

/// <summary>The module's charts as data: what each draws, from the Core API's records (plain C#, tested without a
/// browser).</summary>
public static class MassCharts
{
    /// <summary>Sent per minute as bars, delivered, read and failed as lines, and the configured rate (per second × 60)
    /// as a dashed line: the gap between the bars and the line is what the planner note explains.</summary>
    public static ChartSpec Rate(IReadOnlyList<CampaignRatePoint> points, decimal ratePerSecond, ChartTheme theme, Func<string, string> text)
    {
        static object At(DateTime minute) => DateTime.SpecifyKind(minute, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ");
        var minutes = points.Select(p => At(p.Minute)).ToList();
        // At least ten minutes shown, with a minute either side: one minute of sends is a bar, not a sliver of a
        // millisecond-wide axis.
        IList<object>? range = null;
        if (points.Count > 0)
        {
            var last = points[^1].Minute.AddMinutes(1);
            var first = points[0].Minute.AddMinutes(-1);
            if (last - first < TimeSpan.FromMinutes(10)) first = last.AddMinutes(-10);
            range = [At(first), At(last)];
        }
        Scatter Line(string name, Func<CampaignRatePoint, long> value, string color) => new()
        {
            Name = name, X = minutes, Y = points.Select(p => (object)value(p)).ToList(),
            Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
            Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = color, Width = 2 },
            Marker = new Plotly.Blazor.Traces.ScatterLib.Marker { Color = color, Size = 4 },
        };
        var traces = new List<ITrace>
        {
            new Bar
            {
                Name = text("mass.rate.sent"), X = minutes, Y = points.Select(p => (object)p.Sent).ToList(),
                Marker = new Plotly.Blazor.Traces.BarLib.Marker { Color = theme.Accent },
            },
            Line(text("mass.rate.delivered"), p => p.Delivered, theme.Ok),
            Line(text("mass.rate.read"), p => p.Read, theme.Read),
            Line(text("mass.rate.failed"), p => p.Failed, theme.Danger),
        };
        if (points.Count > 0)
            traces.Add(new Scatter
            {
                Name = text("mass.rate.configured"), X = [range![0], range[1]], Y = [ratePerSecond * 60, ratePerSecond * 60],
                Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines,
                Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = theme.Warn, Dash = "dash", Width = 2 },
            });
        return new ChartSpec(traces, YTitle: text("mass.rate.per_minute"), TimeAxis: true, XRange: range);
    }

    /// <summary>The funnel's stages, in order: targeted → sent → delivered → read → replied, then failed and skipped.</summary>
    public static IReadOnlyList<(string Key, long Count)> Stages(CampaignFunnel f) =>
    [
        ("targeted", f.Targeted), ("sent", f.Sent), ("delivered", f.Delivered), ("read", f.Read), ("replied", f.Replied),
        ("failed", f.Failed), ("skipped", f.Skipped),
    ];

    /// <summary>The funnel as horizontal bars (the console's plotly bundle has no funnel trace), first stage on top.</summary>
    public static ChartSpec Funnel(CampaignFunnel funnel, ChartTheme theme, Func<string, string> text) =>
        HorizontalBars.Of([.. Stages(funnel).Select(s => (text("mass.funnel." + s.Key), s.Count, s.Key switch
        {
            "failed" => theme.Danger, "skipped" => theme.Warn, "read" or "replied" => theme.Read, "delivered" => theme.Ok, _ => theme.Accent,
        }))], height: 220);

    /// <summary>A number's score over time (0–100) with the level thresholds (40 critical, 70 healthy) as lines.</summary>
    public static ChartSpec Health(IReadOnlyList<NumberHealthPoint> history, ChartTheme theme, Func<string, string> text)
    {
        var points = history.OrderBy(p => p.TakenAt).ToList();
        var x = points.Select(p => (object)DateTime.SpecifyKind(p.TakenAt, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ")).ToList();
        var traces = new List<ITrace>
        {
            new Scatter
            {
                Name = text("health.score"), X = x, Y = points.Select(p => (object)p.Score).ToList(),
                Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
                Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = theme.Accent, Width = 2, Shape = Plotly.Blazor.Traces.ScatterLib.LineLib.ShapeEnum.Hv },
                Marker = new Plotly.Blazor.Traces.ScatterLib.Marker
                {
                    ColorArray = points.Select(p => (object)(p.Level switch { "critical" => theme.Danger, "at_risk" => theme.Warn, _ => theme.Ok })).ToList(), Size = 6,
                },
            },
        };
        if (x.Count == 0) return new ChartSpec(traces, YTitle: text("health.score"), TimeAxis: true, YMax: 100);
        // The thresholds span at least the last day, so a new number's single snapshot still reads against them.
        var last = DateTime.SpecifyKind(points[^1].TakenAt, DateTimeKind.Utc);
        var first = DateTime.SpecifyKind(points[0].TakenAt, DateTimeKind.Utc);
        var from = (first < last.AddDays(-1) ? first : last.AddDays(-1)).ToString("yyyy-MM-ddTHH:mm:ssZ");
        foreach (var (threshold, color, key) in new[] { (70, theme.Ok, "health.level.healthy"), (40, theme.Danger, "health.level.critical") })
            traces.Add(new Scatter
            {
                Name = text(key), X = [from, x[^1]], Y = [threshold, threshold], Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines,
                Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = color, Dash = "dot", Width = 1 },
            });
        return new ChartSpec(traces, YTitle: text("health.score"), TimeAxis: true, YMax: 100);
    }
}
