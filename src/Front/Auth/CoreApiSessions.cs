using System.Net.Http.Json;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Auth;

/// <summary>
/// The Core API's session calls: refresh (rotating the single-use refresh token) and sign-out (revoking the session).
/// The Core API, not the cookie, decides whether a session lives: a cookie whose session was signed out cannot get
/// a token.
/// </summary>
public static class CoreApiSessions
{
    // One refresh at a time per process: refreshes are rare (one per session every ~15 minutes), and two circuits or
    // two parallel requests of the same session must not both spend the single-use refresh token (the second would
    // look like a stolen token and end the session).
    public static readonly SemaphoreSlim RefreshLock = new(1, 1);

    /// <summary>The next token pair, or null when the Core API refuses (signed out, expired, reused).</summary>
    public static async Task<TokenSet?> RefreshAsync(HttpClient coreApi, string refreshToken, CancellationToken ct)
    {
        using var response = await coreApi.PostAsJsonAsync("auth/refresh", new RefreshRequest(refreshToken), ct);
        if (!response.IsSuccessStatusCode) return null;
        var body = await response.Content.ReadFromJsonAsync<TokenResponse>(ct);
        return body?.ToTokenSet();
    }

    /// <summary>Revokes the session at the Core API. True when it answered; a Core API that is down leaves the
    /// session to expire (the cookie is dropped anyway).</summary>
    public static async Task<bool> SignOutAsync(HttpClient coreApi, string refreshToken, CancellationToken ct)
    {
        try
        {
            using var response = await coreApi.PostAsJsonAsync("auth/logout", new LogoutRequest(refreshToken), ct);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException) { return false; }
    }
}
