using Microsoft.AspNetCore.Http.HttpResults;

namespace MultichannelMessages.OpenAiSandbox.Requests;

/// <summary><c>GET /sandbox/requests?scope=&amp;endpoint=&amp;limit=</c>: what the clients sent, newest first.</summary>
public static class RequestEndpoints
{
    public static Ok<IReadOnlyList<LoggedRequestView>> List(RequestLog log, string? scope, string? endpoint, int? limit) =>
        TypedResults.Ok(log.Recent(scope, endpoint, Math.Clamp(limit ?? 50, 1, 1_000)));
}
