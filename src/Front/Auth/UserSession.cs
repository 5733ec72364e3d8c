using System.Net.Http.Json;
using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;

namespace MultichannelMessages.Front.Auth;

/// <summary>
/// The signed-in user of one circuit (or one static request): who they are, from the auth cookie's claims, and a
/// Core API access token that is refreshed shortly before it expires. Scoped: nothing here outlives the circuit.
/// </summary>
public sealed class UserSession(AuthenticationStateProvider authState, SessionTokens store, IHttpClientFactory http, TimeProvider clock)
{
    public const string SessionIdClaim = "sid";
    // One refresh at a time per process: refreshes are rare (one per session every ~15 minutes), and two circuits of
    // the same session must not both spend the single-use refresh token.
    private static readonly SemaphoreSlim RefreshLock = new(1, 1);

    public async Task<ClaimsPrincipal> UserAsync() => (await authState.GetAuthenticationStateAsync()).User;

    public async Task<long?> UserIdAsync() =>
        long.TryParse((await UserAsync()).FindFirst("sub")?.Value, out var id) ? id : null;

    /// <summary>A valid access token, or null when the session is gone (signed out, or the refresh token expired).</summary>
    public async Task<string?> AccessTokenAsync(CancellationToken ct = default)
    {
        if ((await UserAsync()).FindFirst(SessionIdClaim)?.Value is not { } sessionId) return null;
        var tokens = store.Get(sessionId);
        if (tokens is null) return null;
        if (tokens.AccessTokenFresh(clock.GetUtcNow())) return tokens.AccessToken;

        await RefreshLock.WaitAsync(ct);
        try
        {
            tokens = store.Get(sessionId);
            if (tokens is null) return null;
            if (tokens.AccessTokenFresh(clock.GetUtcNow())) return tokens.AccessToken;
            var refreshed = await RefreshAsync(tokens.RefreshToken, ct);
            if (refreshed is null)
            {
                store.Remove(sessionId);
                return null;
            }
            store.Set(sessionId, refreshed);
            return refreshed.AccessToken;
        }
        finally { RefreshLock.Release(); }
    }

    private async Task<TokenSet?> RefreshAsync(string refreshToken, CancellationToken ct)
    {
        using var response = await http.CreateClient(CoreApi.CoreApiClient.Name).PostAsJsonAsync("auth/refresh", new { refreshToken }, ct);
        if (!response.IsSuccessStatusCode) return null;
        var body = await response.Content.ReadFromJsonAsync<CoreApi.TokenResponse>(ct);
        return body?.ToTokenSet();
    }
}
