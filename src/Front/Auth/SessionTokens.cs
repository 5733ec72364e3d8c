using Microsoft.Extensions.Caching.Memory;

namespace MultichannelMessages.Front.Auth;

public sealed record TokenSet(string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt)
{
    public bool AccessTokenFresh(DateTimeOffset now) => AccessTokenExpiresAt - now > TimeSpan.FromMinutes(1);
}

/// <summary>
/// The Core API tokens of each signed-in browser session, server-side, keyed by the session id the auth cookie
/// carries. Refresh tokens are single-use: when a circuit refreshes, the new pair lands here, so a page reload or a
/// second tab uses it instead of the spent one in the cookie (the cookie is brought up to date on the next request,
/// see <see cref="CookieTokenSync"/>). Blazor Server already needs session affinity, so a per-instance store is enough.
/// </summary>
public sealed class SessionTokens(IMemoryCache cache)
{
    private static object Key(string sessionId) => ("tokens", sessionId);

    public TokenSet? Get(string sessionId) => cache.Get<TokenSet>(Key(sessionId));

    public void Set(string sessionId, TokenSet tokens) =>
        cache.Set(Key(sessionId), tokens, tokens.RefreshTokenExpiresAt);

    public void Remove(string sessionId) => cache.Remove(Key(sessionId));
}
