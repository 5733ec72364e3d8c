using System.Text.Json;

namespace MultichannelMessages.Front.Hardening;

/// <summary>
/// Where browsers report what the Content-Security-Policy blocked (report-uri): a warning in the Front's log, so a
/// console change the policy breaks is seen (the browser suite fails on any) rather than silently missing a style.
/// Anonymous by nature; limited per client address with the sign-in form (HardeningExtensions) and read only up to 8 KB.
/// </summary>
public static partial class CspReports
{
    public const string Path = "/csp-report";

    public static IEndpointRouteBuilder MapCspReports(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, ReceiveAsync).AllowAnonymous().DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> ReceiveAsync(HttpContext http, ILoggerFactory loggers)
    {
        var buffer = new byte[8 * 1024];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await http.Request.Body.ReadAsync(buffer.AsMemory(length), http.RequestAborted)) > 0) length += read;
        string? directive = null, blocked = null;
        try
        {
            using var json = JsonDocument.Parse(buffer.AsMemory(0, length));
            if (json.RootElement.TryGetProperty("csp-report", out var report))
            {
                directive = report.TryGetProperty("effective-directive", out var d) ? d.GetString() : null;
                blocked = report.TryGetProperty("blocked-uri", out var b) ? b.GetString() : null;
            }
        }
        catch (JsonException) { return TypedResults.BadRequest(); }
        LogViolation(loggers.CreateLogger(typeof(CspReports)), directive ?? "?", blocked ?? "?");
        return TypedResults.NoContent();
    }

    [LoggerMessage(900, LogLevel.Warning, "CSP violation: {Directive} blocked {BlockedUri}")]
    private static partial void LogViolation(ILogger logger, string directive, string blockedUri);
}
