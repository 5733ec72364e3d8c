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

        await CoreApiSessions.RefreshLock.WaitAsync(ct);
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
        finally { CoreApiSessions.RefreshLock.Release(); }
    }

    /// <summary>The Core API refused this session's token (signed out elsewhere, password changed, removed from every
    /// project): its tokens are forgotten, so the cookie is confirmed again (and refused) on the next page load.</summary>
    public async Task ForgetAsync()
    {
        if ((await UserAsync()).FindFirst(SessionIdClaim)?.Value is { } sessionId) store.Remove(sessionId);
    }

    private Task<TokenSet?> RefreshAsync(string refreshToken, CancellationToken ct) =>
        CoreApiSessions.RefreshAsync(http.CreateClient(CoreApi.CoreApiClient.Name), refreshToken, ct);
}
