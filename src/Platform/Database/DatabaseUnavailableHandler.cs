using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MultichannelMessages.Platform.Database;

/// <summary>
/// A request that failed because the database could not be reached (down, restarting, connections cut) answers 503
/// with code <c>database_unavailable</c> and Retry-After, instead of a 500 "internal_error": the request was not
/// wrong and nothing of it was kept, so the caller (the console, an integration, Meta for the Webhook API) should
/// simply try again. Logged as a warning, not into the error log: it is the database's outage, not a bug here.
/// Any other exception goes on to the unhandled-exception logger and the framework's 500.
/// </summary>
public sealed partial class DatabaseUnavailableHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public const string Code = "database_unavailable";
    private const int RetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (!IsUnavailable(exception) || http.Response.HasStarted) return false;
        Unavailable(logger, http.Request.Method, http.Request.Path, exception.GetBaseException().Message);
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = Code,
            Detail = "The database cannot be reached right now; nothing was changed. Try again in a few seconds.",
        };
        problem.Extensions["code"] = Code;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>The database is away, not the statement wrong: a connection that could not be opened or was lost
    /// (socket, timeout, end of stream: an NpgsqlException that is not a server error), or the server's own
    /// "connection exception" class 08, administrator/crash shutdown (57P01, 57P02) and "cannot connect now" (57P03,
    /// a server starting up or in recovery).</summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState is "57P01" or "57P02" or "57P03";
                case NpgsqlException npgsql when npgsql.InnerException is SocketException or TimeoutException or EndOfStreamException or IOException
                                              || npgsql.IsTransient:
                    return true;
            }
        }
        return false;
    }

    [LoggerMessage(951, LogLevel.Warning, "{Method} {Path} answered 503: the database is unavailable ({Reason})")]
    private static partial void Unavailable(ILogger logger, string method, PathString path, string reason);
}
