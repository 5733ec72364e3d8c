namespace MultichannelMessages.Front.Components.Charts;

/// <summary>
/// Which plotly.js the console's charts run. Plotly.Blazor ships two bundles: the basic one (scatter, bar, pie: 1.1 MB)
/// and the full one (every trace, WebGL and maps included: 4.8 MB). The dashboards' heat map of hours needs the heatmap
/// trace, which the basic bundle lacks; plotly's cartesian partial bundle has it (bar, box, contour, heatmap, histogram,
/// image, pie, scatter, violin: 1.4 MB), runs no eval (the console's CSP allows none), and brings the same global CSS
/// as the basic one (plotly-global.css). It has no funnel trace either: funnels stay horizontal bars
/// (<see cref="ChartKinds.Funnel"/>).
/// <para>The file is plotly.js-cartesian-dist-min 3.7.0 from npm (MIT, its LICENSE beside it) in wwwroot/lib/plotly,
/// served by the console like its other static files: the page makes no request elsewhere. PlotlyChart loads its basic
/// bundle from a path compiled into Plotly.Blazor, with no option to give another, so the request for that path is
/// served the cartesian file. Keep its version equal to the plotly.js that Plotly.Blazor bundles (its API is what
/// Plotly.Blazor's traces are written for); Front.Tests fails when an update of Plotly.Blazor asks for another path.</para>
/// </summary>
public static class PlotlyBundle
{
    /// <summary>Where Plotly.Blazor 7.2.0's PlotlyChart (UseBasicVersion) loads plotly.js from.</summary>
    public const string RequestedPath = "/_content/Plotly.Blazor/plotly-basic-3.7.0.min.js";

    /// <summary>The cartesian bundle, a static file of the console.</summary>
    public const string ServedPath = "/lib/plotly/plotly-cartesian-3.7.0.min.js";

    /// <summary>Before routing, so the static file's own endpoint (caching, compression, ETag) answers.</summary>
    public static IApplicationBuilder UsePlotlyCartesianBundle(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        if (http.Request.Path.Equals(RequestedPath, StringComparison.Ordinal)) http.Request.Path = ServedPath;
        return next(http);
    });
}
