using System.Net.Http.Headers;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Auth;

/// <summary>
/// <c>GET /media/{project}/{conversation}/{media}</c> (and the CSV downloads under <c>/exports/{project}/</c>): the browser cannot call the Core API itself (the user's token
/// stays on the server), so an image, audio or video element points here and the Front streams the Core API's answer
/// through with the session's token. The Core API decides access (404 outside the user's grants) and sets the
/// headers that keep a customer's file from running in this origin; they are passed on unchanged.
/// </summary>
public static class MediaProxy
{
    private static readonly string[] PassedHeaders = ["Content-Disposition", "X-Content-Type-Options", "Content-Security-Policy", "Retry-After", "Cache-Control"];

    public static string Url(long projectId, long conversationId, long mediaId) => $"/media/{projectId}/{conversationId}/{mediaId}";

    public static IEndpointRouteBuilder MapMediaProxy(this IEndpointRouteBuilder app)
    {
        app.MapGet("/media/{projectId:long}/{conversationId:long}/{mediaId:long}", (long projectId, long conversationId, long mediaId, HttpContext http,
                SessionTokens store, IHttpClientFactory factory, TimeProvider clock, CancellationToken ct) =>
            StreamAsync($"projects/{projectId}/conversations/{conversationId}/media/{mediaId}", http, store, factory, clock, ct)).RequireAuthorization();
        // Ops → command log as CSV: a download link cannot carry the token either. The Core API checks ops.read.
        app.MapGet("/exports/{projectId:long}/command-log.csv", (long projectId, string? action, HttpContext http, SessionTokens store,
                IHttpClientFactory factory, TimeProvider clock, CancellationToken ct) =>
            StreamAsync($"projects/{projectId}/command-log.csv" + (string.IsNullOrWhiteSpace(action) ? "" : "?action=" + Uri.EscapeDataString(action)),
                http, store, factory, clock, ct)).RequireAuthorization();
        // Mass sends → a campaign's recipients with their verdicts and results (the validation report, and the export
        // once sent). The Core API checks campaigns.read and streams it page by page; so does this.
        app.MapGet("/exports/{projectId:long}/campaigns/{campaignId:long}/recipients.csv", (long projectId, long campaignId, string? status,
                string? reason, HttpContext http, SessionTokens store, IHttpClientFactory factory, TimeProvider clock, CancellationToken ct) =>
            StreamAsync($"projects/{projectId}/campaigns/{campaignId}/recipients.csv" + Filter(status, reason), http, store, factory, clock, ct))
            .RequireAuthorization();
        // Admin → Import: every row an import run did not take, with its reason (project.configure, checked by the Core API).
        app.MapGet("/exports/{projectId:long}/imports/{runId:long}/rejects.csv", (long projectId, long runId, HttpContext http, SessionTokens store,
                IHttpClientFactory factory, TimeProvider clock, CancellationToken ct) =>
            StreamAsync($"projects/{projectId}/imports/runs/{runId}/rejects.csv", http, store, factory, clock, ct)).RequireAuthorization();
        // A call's recording, for the thread's audio element (the Core API checks calls.recordings or that it was the
        // person's call).
        app.MapGet("/recordings/{projectId:long}/{callId:long}", (long projectId, long callId, HttpContext http, SessionTokens store,
                IHttpClientFactory factory, TimeProvider clock, CancellationToken ct) =>
            StreamAsync($"projects/{projectId}/calls/{callId}/recording", http, store, factory, clock, ct)).RequireAuthorization();
        return app;
    }

    public static string ImportRejectsCsvUrl(long projectId, long runId) => $"/exports/{projectId}/imports/{runId}/rejects.csv";

    public static string RecordingUrl(long projectId, long callId) => $"/recordings/{projectId}/{callId}";

    public static string RecipientsCsvUrl(long projectId, long campaignId, string? status = null, string? reason = null) =>
        $"/exports/{projectId}/campaigns/{campaignId}/recipients.csv" + Filter(status, reason);

    private static string Filter(string? status, string? reason)
    {
        var query = string.Join('&', new[] { ("status", status), ("reason", reason) }
            .Where(p => !string.IsNullOrWhiteSpace(p.Item2)).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
        return query.Length == 0 ? "" : "?" + query;
    }

    public static string CommandLogCsvUrl(long projectId, string? action) =>
        $"/exports/{projectId}/command-log.csv" + (string.IsNullOrWhiteSpace(action) ? "" : "?action=" + Uri.EscapeDataString(action));

    private static async Task StreamAsync(string coreApiPath, HttpContext http, SessionTokens store,
        IHttpClientFactory factory, TimeProvider clock, CancellationToken ct)
    {
        // The circuits of this session keep its token fresh in the shared store; a stale one is a signed-out session.
        if (http.User.FindFirst(UserSession.SessionIdClaim)?.Value is not { } sessionId || store.Get(sessionId) is not { } tokens
            || !tokens.AccessTokenFresh(clock.GetUtcNow()))
        {
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, coreApiPath);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        using var response = await factory.CreateClient(CoreApiClient.Name).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        http.Response.StatusCode = (int)response.StatusCode;
        if (response.Content.Headers.ContentType is { } type) http.Response.ContentType = type.ToString();
        if (response.Content.Headers.ContentLength is { } length) http.Response.ContentLength = length;
        foreach (var name in PassedHeaders)
            if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
                http.Response.Headers[name] = values.ToArray();
        await response.Content.CopyToAsync(http.Response.Body, ct);
    }
}
