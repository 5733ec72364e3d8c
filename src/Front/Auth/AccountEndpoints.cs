using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Localization;

namespace MultichannelMessages.Front.Auth;

public static class AccountEndpoints
{
    public const string ThemeCookie = "mm_theme";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/logout", SignOut);
        app.MapGet("/account/culture", SetCulture);
        return app;
    }

    /// <summary>Ends the session at the Core API (so a copy of the cookie cannot bring it back), then here.</summary>
    private static async Task<IResult> SignOut(HttpContext http, SessionTokens store, IHttpClientFactory clients)
    {
        var sessionId = http.User.FindFirst(UserSession.SessionIdClaim)?.Value;
        var tokens = sessionId is null ? null : store.Get(sessionId);
        if (tokens is null && (await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme)).Properties is { } properties)
            tokens = CookieTokenSync.Read(properties);
        if (tokens is not null)
            await CoreApiSessions.SignOutAsync(clients.CreateClient(CoreApi.CoreApiClient.Name), tokens.RefreshToken, http.RequestAborted);
        if (sessionId is not null) store.Remove(sessionId);
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.LocalRedirect("/login");
    }

    /// <summary>The culture is fixed for a circuit when it starts, so switching language is a cookie and a reload.</summary>
    private static IResult SetCulture(string? culture, string? returnUrl, HttpContext http)
    {
        if (culture is "en" or "es") WriteCulture(http, culture);
        return TypedResults.LocalRedirect(returnUrl is { Length: > 0 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//") ? returnUrl : "/");
    }

    public static void WriteCulture(HttpContext http, string culture) =>
        http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions { MaxAge = TimeSpan.FromDays(365), SameSite = SameSiteMode.Lax, IsEssential = true });

    public static void WriteTheme(HttpContext http, string theme) =>
        http.Response.Cookies.Append(ThemeCookie, theme, new CookieOptions { MaxAge = TimeSpan.FromDays(365), SameSite = SameSiteMode.Lax, IsEssential = true });
}
