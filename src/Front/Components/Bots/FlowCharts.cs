using MultichannelMessages.Contracts.Bots;
using MultichannelMessages.Front.Components.Charts;

namespace MultichannelMessages.Front.Components.Bots;

/// <summary>The analytics tab's charts as data (plain C#, tested without a browser).</summary>
public static class FlowCharts
{
    /// <summary>How the sessions started in the period stand: finished (completed, handed off), dropped (expired, a
    /// person took over, failed) or still running.</summary>
    public static IReadOnlyList<(string Key, long Count)> Outcomes(FlowAnalytics a) =>
        [("completed", a.Completed), ("handed_off", a.HandedOff), ("expired", a.Expired), ("off", a.Off), ("failed", a.Failed), ("active", a.Active)];

    public static ChartSpec OutcomeBars(FlowAnalytics analytics, ChartTheme theme, Func<string, string> text) =>
        HorizontalBars.Of([.. Outcomes(analytics).Select(o => (text("bots.analytics." + o.Key), o.Count, o.Key switch
        {
            "completed" => theme.Ok, "handed_off" => theme.Read, "expired" => theme.Warn, "off" or "failed" => theme.Danger, _ => theme.Accent,
        }))], leftMargin: 120);

    /// <summary>The nodes where dropped sessions stopped, most first.</summary>
    public static ChartSpec DroppedBars(FlowAnalytics analytics, ChartTheme theme) =>
        HorizontalBars.Of([.. analytics.DroppedAt.Select(n => (n.NodeId, (long)n.Sessions, theme.Warn))], leftMargin: 140);
}
