using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.Platform.Secrets;
using OpenTelemetry.Metrics;
using Serilog;
using Serilog.Formatting.Compact;

namespace MultichannelMessages.Platform.Hosting;

/// <summary>What every service sets up the same way: configuration prefix, logging, metrics, health, database.</summary>
public static class ServiceDefaults
{
    public const string EnvironmentPrefix = "MM_";

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, params string[] meters)
    {
        builder.AddServiceBasics(meters);
        builder.Services.AddPlatformDatabase();
        builder.Services.AddOptions<SecretOptions>().BindConfiguration(SecretOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SecretProtector>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }

    /// <summary>Everything but the database, for a service that has none of its own (the Front talks to the Core API only).</summary>
    public static WebApplicationBuilder AddServiceBasics(this WebApplicationBuilder builder, params string[] meters)
    {
        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);

        builder.Services.AddSerilog((services, log) =>
        {
            log.ReadFrom.Configuration(builder.Configuration)
               .Enrich.FromLogContext()
               .Enrich.WithProperty("Service", builder.Environment.ApplicationName)
               .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning);
            if (builder.Configuration.GetValue("Logging:Json", false))
                log.WriteTo.Console(new RenderedCompactJsonFormatter());
            else
                log.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Service} {Message:lj} {Properties:j}{NewLine}{Exception}");
        });

        builder.Services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddAspNetCoreInstrumentation().AddRuntimeInstrumentation()
                // No scrape cache: a scrape shows the counters as they are (the default caches them for 300 ms).
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            foreach (var meter in meters) metrics.AddMeter(meter);
        });

        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks();
        return builder;
    }

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
