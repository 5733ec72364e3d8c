using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace MultichannelMessages.CoreApi.Errors;

/// <summary>
/// Every refusal is a ProblemDetails with a stable <c>code</c> the console translates (and, for validation, the
/// <c>field</c> at fault). Something outside the caller's grants is 404 <c>not_found</c>, never 403, so existence
/// does not leak.
/// </summary>
public static class Refusals
{
    public static ProblemHttpResult NotFound() =>
        Problem(StatusCodes.Status404NotFound, "not_found", "Not found.");

    public static ProblemHttpResult Forbidden(string permission) =>
        Problem(StatusCodes.Status403Forbidden, "forbidden", $"Your role in this project does not allow this ({permission}).");

    public static ProblemHttpResult Invalid(string field, string code, string detail) =>
        Problem(StatusCodes.Status400BadRequest, code, detail, field);

    /// <summary>Someone else holds the conversation's lock: nobody else may send in it until it is released, revoked
    /// or expires.</summary>
    public static ProblemHttpResult LockHeld(string? ownerName) =>
        Problem(StatusCodes.Status409Conflict, "lock_held",
            ownerName is null ? "Another agent holds the lock on this conversation." : $"{ownerName} holds the lock on this conversation.");

    /// <summary>Meta's customer-service window is closed: only an approved template may be sent. closedSince is null
    /// when the customer never wrote.</summary>
    public static ProblemHttpResult WindowClosed(DateTime? closedSince)
    {
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status409Conflict, Title = "window_closed",
            Detail = closedSince is { } at
                ? $"The customer-service window closed at {at:O}; only an approved template can be sent."
                : "The customer has not written on this conversation; only an approved template can be sent.",
        };
        problem.Extensions["code"] = "window_closed";
        problem.Extensions["closedSince"] = closedSince;
        return TypedResults.Problem(problem);
    }

    /// <summary>An archived project is read-only: decided by the access check for every project route, and by the
    /// database for the few writes that reach a project another way (an operator's invitation, accepting one).</summary>
    public static ProblemHttpResult ProjectArchived() =>
        Problem(StatusCodes.Status409Conflict, "project_archived", "This project is archived: it can be read, not changed.");

    /// <summary>A document refused for everything wrong with it at once (a flow that cannot be published): 422, each
    /// problem (with its own place and code) in <c>problems</c>.</summary>
    public static ProblemHttpResult Unprocessable<T>(string code, string detail, IReadOnlyCollection<T> problems, string? field = null)
    {
        var problem = new ProblemDetails { Status = StatusCodes.Status422UnprocessableEntity, Title = code, Detail = detail };
        problem.Extensions["code"] = code;
        if (field is not null) problem.Extensions["field"] = field;
        problem.Extensions["problems"] = problems;
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult Unauthorized(string code, string detail) =>
        Problem(StatusCodes.Status401Unauthorized, code, detail);

    public static ProblemHttpResult Problem(int status, string code, string detail, string? field = null)
    {
        var problem = new ProblemDetails { Status = status, Title = code, Detail = detail };
        problem.Extensions["code"] = code;
        if (field is not null) problem.Extensions["field"] = field;
        return TypedResults.Problem(problem);
    }

    public static async ValueTask WriteAsync(HttpContext http, int status, string code, string detail, CancellationToken ct)
    {
        http.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Title = code, Detail = detail };
        problem.Extensions["code"] = code;
        await http.Response.WriteAsJsonAsync(problem, ct);
    }

    /// <summary>Framework-made problems (unhandled exceptions, 404 routes, 401 from the bearer handler) get a code too.</summary>
    public static void AddTraceId(ProblemDetailsContext context)
    {
        context.ProblemDetails.Extensions.TryAdd("code", context.ProblemDetails.Status switch
        {
            401 => "unauthenticated",
            404 => "not_found",
            >= 500 => "internal_error",
            _ => "bad_request",
        });
        context.ProblemDetails.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
    }
}
