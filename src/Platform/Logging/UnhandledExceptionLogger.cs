using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serilog.Context;

namespace MultichannelMessages.Platform.Logging;

/// <summary>
/// Logs a request's unhandled exception once, with the project the request was about when the access check resolved
/// one (<see cref="ProjectItem"/>), so the error log can show it to that project's devs; then lets the framework answer
/// with its problem details. (The framework's own log line of the same exception is left out of the error log:
/// <see cref="ErrorLogSink.Keeps"/>.)
/// </summary>
public sealed class UnhandledExceptionLogger(ILogger<UnhandledExceptionLogger> logger) : IExceptionHandler
{
    /// <summary>Where the Core API's access check leaves the resolved project id (a long).</summary>
    public const string ProjectItem = "mm.project_id";

    public ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        using (LogContext.PushProperty("ProjectId", http.Items.TryGetValue(ProjectItem, out var id) ? id : null))
            ErrorLog.Unhandled(logger, http.Request.Method, http.Request.Path, exception);
        return ValueTask.FromResult(false);
    }
}

internal static partial class ErrorLog
{
    [LoggerMessage(950, LogLevel.Error, "Unhandled exception in {Method} {Path}")]
    public static partial void Unhandled(ILogger logger, string method, PathString path, Exception exception);
}
