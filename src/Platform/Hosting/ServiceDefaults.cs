using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.Platform.Secrets;

namespace MultichannelMessages.Platform.Hosting;

/// <summary>What every service with a database sets up the same way: the basics (src/Platform.Hosting), then the database,
/// secret protection and its health check.</summary>
public static class ServiceDefaults
{
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, params string[] meters)
    {
        builder.AddServiceBasics(meters);
        builder.Services.AddPlatformDatabase();
        builder.Services.AddOptions<SecretOptions>().BindConfiguration(SecretOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SecretProtector>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database").AddCheck<ReplicaHealthCheck>("read_replica");
        // Unhandled exceptions and loop failures go to ops.error_log too (src/Platform/Logging/ErrorLogSink.cs).
        var service = builder.Environment.ApplicationName;
        builder.Services.AddSingleton<Serilog.Core.IBatchedLogEventSink>(sp => new Logging.ErrorLogSink(sp, service));
        // In order: a database outage answers 503 (retry), anything else is logged and answered 500.
        builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
        builder.Services.AddExceptionHandler<Logging.UnhandledExceptionLogger>();
        return builder;
    }
}
