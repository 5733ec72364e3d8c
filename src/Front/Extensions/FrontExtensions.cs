using System.Globalization;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Localization;
using MultichannelMessages.Front.Auth;
using MultichannelMessages.Front.CoreApi;
using MultichannelMessages.Front.Realtime;

namespace MultichannelMessages.Front.Extensions;

public static class FrontExtensions
{
    public static readonly CultureInfo[] Cultures = [new("en"), new("es")];

    public static WebApplicationBuilder AddFront(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<CoreApiOptions>().BindConfiguration(CoreApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MultichannelMessages.Front.Components.Dashboards.DashboardRefreshOptions>()
            .BindConfiguration(MultichannelMessages.Front.Components.Dashboards.DashboardRefreshOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(CoreApiClient.Name, (sp, c) => c.BaseAddress = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<CoreApiOptions>>().Value.Uri);
        services.AddHttpClient<CoreApiClient>((sp, c) => c.BaseAddress = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<CoreApiOptions>>().Value.Uri);
        services.AddHealthChecks().AddCheck<CoreApiHealthCheck>("core_api");

        services.AddSingleton(TimeProvider.System);
        services.AddMemoryCache();
        services.AddSingleton<SessionTokens>();
        services.AddScoped<UserSession>();
        services.AddScoped<LiveFeed>();
        services.AddScoped<ConsoleState>();

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.LoginPath = "/login";
            o.Cookie.Name = "mm_session";
            o.Cookie.HttpOnly = true;
            // Secure whenever the request came over TLS (directly, or through a known proxy's X-Forwarded-Proto).
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            // Lax: a link into the console from mail or chat keeps the session; cross-site POSTs (sign-out) still carry no cookie.
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromDays(14);
            o.Events.OnValidatePrincipal = CookieTokenSync.ValidateAsync;
        });
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();

        services.AddLocalization();
        services.Configure<RequestLocalizationOptions>(o =>
        {
            o.DefaultRequestCulture = new RequestCulture("en");
            o.SupportedCultures = Cultures;
            o.SupportedUICultures = Cultures;
            // The user's choice (cookie) wins over the browser's Accept-Language.
            o.RequestCultureProviders = [new CookieRequestCultureProvider(), new AcceptLanguageHeaderRequestCultureProvider()];
        });

        services.AddRazorComponents().AddInteractiveServerComponents();
        return builder;
    }
}
