using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using Serilog;
using Serilog.Formatting.Compact;

namespace MultichannelMessages.Platform.Hosting;

/// <summary>What every service sets up the same way, database or not: configuration prefix, logging, metrics, health.
/// Its own assembly so the Front, which has no database, takes none of the database packages with it.</summary>
public static class ServiceBasics
{
    public const string EnvironmentPrefix = "MM_";

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
            // Batched sinks other parts register (the error log of services with a database): off the request path.
            foreach (var batched in services.GetServices<Serilog.Core.IBatchedLogEventSink>())
                log.WriteTo.Sink(batched, new Serilog.Configuration.BatchingOptions
                {
                    BatchSizeLimit = 200, BufferingTimeLimit = TimeSpan.FromSeconds(2), QueueLimit = 10_000, EagerlyEmitFirstEvent = true,
                }, Serilog.Events.LogEventLevel.Error);
            if (builder.Configuration.GetValue("Logging:Json", false))
                log.WriteTo.Console(new RenderedCompactJsonFormatter());
            else
                log.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Service} {Message:lj} {Properties:j}{NewLine}{Exception}");
        },
        // Each host its own logger, not the process-wide static one: several hosts in one process (tests, and any
        // host built twice) must not write into each other's sinks — the error log writes to its own service's database.
        preserveStaticLogger: true);

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
