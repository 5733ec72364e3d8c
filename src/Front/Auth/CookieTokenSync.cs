using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace MultichannelMessages.Front.Auth;

/// <summary>
/// Keeps the auth cookie and the server-side token store in step on every request. The cookie's ticket holds the
/// tokens so a session survives a restart of the Front; the store holds the newest pair (circuits refresh there).
/// </summary>
public static class CookieTokenSync
{
    public const string Access = "access_token";
    public const string Refresh = "refresh_token";
    public const string AccessExpires = "access_expires_at";
    public const string RefreshExpires = "refresh_expires_at";

    public static void Store(AuthenticationProperties properties, TokenSet tokens) =>
        properties.StoreTokens(
        [
            new AuthenticationToken { Name = Access, Value = tokens.AccessToken },
            new AuthenticationToken { Name = Refresh, Value = tokens.RefreshToken },
            new AuthenticationToken { Name = AccessExpires, Value = tokens.AccessTokenExpiresAt.ToString("O") },
            new AuthenticationToken { Name = RefreshExpires, Value = tokens.RefreshTokenExpiresAt.ToString("O") },
        ]);

    public static TokenSet? Read(AuthenticationProperties properties) =>
        properties.GetTokenValue(Access) is { } access && properties.GetTokenValue(Refresh) is { } refresh
        && DateTimeOffset.TryParse(properties.GetTokenValue(AccessExpires), out var accessExpires)
        && DateTimeOffset.TryParse(properties.GetTokenValue(RefreshExpires), out var refreshExpires)
            ? new TokenSet(access, accessExpires, refresh, refreshExpires)
            : null;

    public static Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var store = context.HttpContext.RequestServices.GetRequiredService<SessionTokens>();
        var now = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var sessionId = context.Principal?.FindFirst(UserSession.SessionIdClaim)?.Value;
        var inCookie = Read(context.Properties);
        if (sessionId is null || inCookie is null) { context.RejectPrincipal(); return Task.CompletedTask; }

        var current = store.Get(sessionId);
        if (current is null)
        {
            // The Front restarted (or the entry expired): the cookie's pair is the newest we have.
            if (inCookie.RefreshTokenExpiresAt <= now) { context.RejectPrincipal(); return Task.CompletedTask; }
            store.Set(sessionId, inCookie);
        }
        else if (current.RefreshToken != inCookie.RefreshToken)
        {
            Store(context.Properties, current);
            context.ShouldRenew = true;
        }
        return Task.CompletedTask;
    }
}
