using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.Front.Hardening;

public static class HardeningExtensions
{
    public static WebApplicationBuilder AddFrontHardening(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EdgeOptions>().BindConfiguration(EdgeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<EdgeOptions>>((o, edge) =>
        {
            // Host too: a proxy that rewrites Host to the instance's address (YARP's default, nginx's proxy_pass) says
            // the public one in X-Forwarded-Host, and the console's redirects (after sign-in) must go there.
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            // Only the configured proxies: the framework's loopback defaults would also trust anything on this host.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in edge.Value.KnownProxies) o.KnownProxies.Add(IPAddress.Parse(proxy));
            foreach (var network in edge.Value.KnownNetworks) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        });
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, ct) =>
            {
                context.HttpContext.Response.ContentType = "text/plain; charset=utf-8";
                return new ValueTask(context.HttpContext.Response.WriteAsync("Too many sign-in attempts. Wait a minute and try again.", ct));
            };
            // The sign-in form's POST (and CSP reports, anonymous too), per real client address (after forwarded headers
            // from known proxies).
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                HttpMethods.IsPost(http.Request.Method) && http.Request.Path.Value?.ToLowerInvariant() is "/login" or CspReports.Path
                    ? RateLimitPartition.GetFixedWindowLimiter(http.Request.Path.Value!.ToLowerInvariant() + " " + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown"), _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = http.RequestServices.GetRequiredService<IOptions<EdgeOptions>>().Value.SignInsPerAddressPerMinute,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    })
                    : RateLimitPartition.GetNoLimiter("other"));
        });
        return builder;
    }

    /// <summary>Forwarded headers first (so the client address and scheme are the real ones), then HSTS on HTTPS
    /// outside Development, the security headers, and the sign-in flood limit.</summary>
    public static WebApplication UseFrontHardening(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<EdgeOptions>>().Value.TrustsProxies) app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment()) app.UseHsts();
        app.UseSecurityHeaders();
        app.UseRateLimiter();
        return app;
    }
}
