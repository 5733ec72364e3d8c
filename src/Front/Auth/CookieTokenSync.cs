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

    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var store = context.HttpContext.RequestServices.GetRequiredService<SessionTokens>();
        var sessionId = context.Principal?.FindFirst(UserSession.SessionIdClaim)?.Value;
        var inCookie = Read(context.Properties);
        var current = sessionId is null || inCookie is null ? null : store.Get(sessionId) ?? await RebuildAsync(context, store, sessionId, inCookie);
        if (current is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        if (current.RefreshToken != inCookie!.RefreshToken)
        {
            Store(context.Properties, current);
            context.ShouldRenew = true;
        }
    }

    /// <summary>
    /// A cookie whose session this process does not hold (the Front restarted, or the session was signed out, or the
    /// cookie was copied into another browser). The cookie alone proves nothing: the Core API decides, by refreshing
    /// its token. A signed-out (or reused, or expired) session is refused there, and so is the cookie.
    /// </summary>
    private static async Task<TokenSet?> RebuildAsync(CookieValidatePrincipalContext context, SessionTokens store, string sessionId, TokenSet inCookie)
    {
        var services = context.HttpContext.RequestServices;
        if (inCookie.RefreshTokenExpiresAt <= services.GetRequiredService<TimeProvider>().GetUtcNow()) return null;
        var ct = context.HttpContext.RequestAborted;
        await CoreApiSessions.RefreshLock.WaitAsync(ct);
        try
        {
            // A parallel request of the same browser may have rebuilt it while this one waited.
            if (store.Get(sessionId) is { } rebuilt) return rebuilt;
            var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(CoreApi.CoreApiClient.Name);
            var refreshed = await CoreApiSessions.RefreshAsync(client, inCookie.RefreshToken, ct);
            if (refreshed is not null) store.Set(sessionId, refreshed);
            return refreshed;
        }
        catch (HttpRequestException) { return null; }
        finally { CoreApiSessions.RefreshLock.Release(); }
    }
}
