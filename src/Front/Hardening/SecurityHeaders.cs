namespace MultichannelMessages.Front.Hardening;

/// <summary>
/// The headers every console response carries. The Content-Security-Policy is what Blazor Server and the console live
/// with, checked in a real browser (tests/Console.Tests, no violation reported): scripts only from the console's own
/// origin (blazor.web.js needs no eval on the server render mode); styles from its own files, plus style attributes
/// (components set colours inline, e.g. tag chips) and the one style element blazor.web.js inserts for its default
/// reconnect overlay, allowed by its hash rather than by opening every style element; the circuit's WebSocket is
/// same-origin ('self' covers ws/wss in CSP 3).
/// </summary>
public static class SecurityHeaders
{
    /// <summary>SHA-256 of the CSS that blazor.web.js (ASP.NET Core 10) puts in a style element for its default
    /// reconnect overlay. Front.Tests recomputes it from the served script, so a framework update that changes the
    /// CSS fails a test instead of an unstyled overlay in production.</summary>
    public const string ReconnectOverlayStyleHash = "sha256-SfuC48/zZyM2iVQsbRmS3bpkry8OrkY1Mxt9WZ6EYU0=";

    public static readonly string ContentSecurityPolicy = string.Join("; ",
        "default-src 'self'",
        "script-src 'self'",
        $"style-src 'self' '{ReconnectOverlayStyleHash}'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'self'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
        $"report-uri {CspReports.Path}");

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        // At the start of the response: the framework sets its own frame-ancestors-only policy on component pages,
        // and this one (which includes frame-ancestors) replaces it.
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            headers.XFrameOptions = "SAMEORIGIN";
            return Task.CompletedTask;
        });
        return next(http);
    });
}
