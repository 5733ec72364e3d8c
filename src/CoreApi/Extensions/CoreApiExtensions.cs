using Microsoft.Extensions.Options;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Auth;
using MultichannelMessages.CoreApi.Errors;
using MultichannelMessages.CoreApi.Realtime;
using MultichannelMessages.Platform.Media;

namespace MultichannelMessages.CoreApi.Extensions;

public static class CoreApiExtensions
{
    public static WebApplicationBuilder AddCoreApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<JwtOptions>().BindConfiguration(JwtOptions.Section)
            .ValidateDataAnnotations().Validate(o => o.KeyBytes().Length >= 32, "Jwt:SigningKey must be base64 of at least 32 random bytes.")
            .ValidateOnStart();
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<IPasswordHasher<AppUser>, PasswordHasher<AppUser>>();
        builder.Services.AddSingleton<Auth.RevokedSessions>();
        builder.Services.AddSingleton<AccessService>();
        builder.Services.AddOptions<People.PeopleOptions>().BindConfiguration(People.PeopleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<People.SmtpOptions>().BindConfiguration(People.SmtpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<People.LinkMailer>();
        builder.Services.AddOptions<Mass.MassOptions>().BindConfiguration(Mass.MassOptions.Section);
        builder.Services.AddOptions<Import.ImportApiOptions>().BindConfiguration(Import.ImportApiOptions.Section);
        builder.Services.AddOptions<Calls.CallsOptions>().BindConfiguration(Calls.CallsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<Meta.MetaAdminOptions>().BindConfiguration(Meta.MetaAdminOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // The clock of the window rule: sends pass it to the database, so tests can move it (FakeTimeProvider).
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<Caching.VersionedCache>();
        // One instance: the change feed reader applies pending invalidations through it before each push.
        builder.Services.AddSingleton<Caching.CacheInvalidationReader>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Caching.CacheInvalidationReader>());
        builder.Services.AddOpenApi(o => o.AddAccessExtension());
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = Refusals.AddTraceId);

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<TokenService>((options, tokens) =>
            {
                options.TokenValidationParameters = tokens.ValidationParameters;
                options.MapInboundClaims = false;
                // Browsers cannot set headers on WebSocket/SSE requests: the hub takes the token from the query.
                options.Events = new JwtBearerEvents
                {
                    OnMessageReceived = context =>
                    {
                        if (context.HttpContext.Request.Path.StartsWithSegments(ConsoleHub.Path)
                            && context.Request.Query["access_token"].FirstOrDefault() is { Length: > 0 } token)
                            context.Token = token;
                        return Task.CompletedTask;
                    },
                };
            });
        builder.Services.AddAuthorization();
        // Agents' files are stored here before the send; the Worker reads them from the same store.
        builder.Services.AddMediaStore();
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<HubConnections>();
        builder.Services.AddSingleton<HubGrants>();
        builder.Services.AddHostedService<ChangeFeedReader>();

        builder.Services.AddOptions<SignInLimitOptions>().BindConfiguration(SignInLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SignInThrottle>();
        builder.Services.AddSingleton<RefreshThrottle>();
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, ct) => Refusals.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests,
                "rate_limited", "Too many sign-in attempts. Wait a minute and try again.", ct);
            // Sign-ins per client address, a flood guard only (see SignInThrottle for why guessing is limited per account;
            // refreshes are limited per session, RefreshThrottle).
            options.AddPolicy(AuthApi.LoginRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = http.RequestServices.GetRequiredService<IOptions<SignInLimitOptions>>().Value.RequestsPerAddressPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
        });
        return builder;
    }
}
