using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.Platform.Hosting;

public sealed class ManagementOptions
{
    public const string Section = "Management";

    /// <summary>Port of the management listener (/metrics, detailed /health). Unset: neither is served at all.</summary>
    [Range(1, 65535)]
    public int? Port { get; set; }

    /// <summary>Where the management listener binds: loopback unless an operator opens it on purpose.</summary>
    [Required]
    public string Address { get; set; } = "127.0.0.1";
}

/// <summary>
/// For a service that faces the internet (the Webhook API): its public port answers /health with the status only
/// (a database error names hosts and users), and /metrics and the detailed /health are served only on a second
/// Kestrel listener, <c>Management:Port</c>, bound to loopback by default. The management endpoints check the port
/// the connection arrived on (<c>Connection.LocalPort</c>), not the Host header, which a caller chooses.
/// </summary>
public static class ManagementSurface
{
    public static WebApplicationBuilder AddManagementPort(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ManagementOptions>().BindConfiguration(ManagementOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(ManagementOptions.Section).Get<ManagementOptions>() ?? new ManagementOptions();
        if (options.Port is not { } port) return builder;
        // Explicit Kestrel listeners would make Kestrel ignore --urls, so the management URL is added to them instead.
        var management = $"http://{(options.Address.Contains(':') ? $"[{options.Address}]" : options.Address)}:{port}";
        builder.WebHost.UseUrls([.. PublicUrls(builder.Configuration), management]);
        return builder;
    }

    /// <summary>The URLs Kestrel would have used on its own: --urls / ASPNETCORE_URLS, else the HTTP(S)_PORTS, else its default.</summary>
    private static IEnumerable<string> PublicUrls(IConfiguration configuration)
    {
        if (configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls)
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var fromPorts = Ports(configuration[WebHostDefaults.HttpPortsKey], "http")
            .Concat(Ports(configuration[WebHostDefaults.HttpsPortsKey], "https")).ToList();
        return fromPorts.Count > 0 ? fromPorts : ["http://localhost:5000"];
    }

    private static IEnumerable<string> Ports(string? ports, string scheme) =>
        (ports ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"{scheme}://*:{p}");

    /// <summary>Public /health with the status only; detailed /health and /metrics on the management port.</summary>
    public static WebApplication MapPublicAndManagementEndpoints(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ManagementOptions>>().Value;
        if (options.Port is { } port)
        {
            // Middleware ahead of the endpoints: on the management port these answer before the public /health would.
            app.UseHealthChecks("/health", port, new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync });
            app.UseOpenTelemetryPrometheusScrapingEndpoint(
                context => context.Connection.LocalPort == port && context.Request.Path == "/metrics");
        }
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthResponse.WriteStatusOnlyAsync });
        return app;
    }
}
