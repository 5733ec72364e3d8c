namespace MultichannelMessages.Front.Components.Charts;

/// <summary>The chart colours of each theme: the design tokens of app.css as values, because plotly.js draws SVG with
/// the colours it is given and cannot read CSS custom properties. Series colours keep 3:1 against the panel (WCAG
/// 1.4.11, graphical objects) in both themes.</summary>
public sealed record ChartTheme(string Text, string Muted, string Grid, string Accent, string Ok, string Warn, string Danger, string Read,
    string Font)
{
    public static readonly ChartTheme Dark = new("#e6edf3", "#9da7b3", "#3a4450", "#58a6ff", "#3fb950", "#d29922", "#ff7b72", "#d2a8ff",
        "IBM Plex Sans, system-ui, sans-serif");

    public static readonly ChartTheme Light = new("#1f2328", "#57606a", "#d0d7de", "#0969da", "#17702f", "#855b00", "#cf222e", "#8250df",
        "IBM Plex Sans, system-ui, sans-serif");

    public static ChartTheme For(string theme) => theme == "light" ? Light : Dark;

    /// <summary>The colours of a chart's series, in order (lines and bars of a comparison).</summary>
    public IReadOnlyList<string> Series => [Accent, Ok, Read, Warn, Danger, Muted];

    /// <summary>A heat map's scale: the grid's colour for none, the accent for the most.</summary>
    public IList<object> HeatScale => [new object[] { 0, Grid }, new object[] { 1, Accent }];
}
