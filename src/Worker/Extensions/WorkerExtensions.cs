using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.Platform.Net;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Media;
using MultichannelMessages.Worker.Outbox;
using MultichannelMessages.Worker.Pacing;
using MultichannelMessages.Worker.Retention;
using MultichannelMessages.Worker.Team;
using MultichannelMessages.Worker.Templates;

namespace MultichannelMessages.Worker.Extensions;

public static class WorkerExtensions
{
    public static WebApplicationBuilder AddGraphClient(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<GraphOptions>().BindConfiguration(GraphOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHttpClient<GraphClient>((sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<GraphOptions>>().Value;
                http.BaseAddress = new Uri(options.BaseAddress.TrimEnd('/') + "/");
                http.Timeout = options.Timeout;
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                MaxConnectionsPerServer = sp.GetRequiredService<IOptions<GraphOptions>>().Value.MaxConnections,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            // The sender holds its client for the process lifetime; PooledConnectionLifetime renews DNS instead.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // One Information line per request would flood the log at 1,000 sends/s.
            .RemoveAllLoggers();
        return builder;
    }

    public static WebApplicationBuilder AddOutboxPump(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<OutboxOptions>, OutboxLeaseValidation>();
        builder.Services.AddOptions<PacingOptions>().BindConfiguration(PacingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WorkerIdentity>();
        builder.Services.AddSingleton<SendPacer>();
        builder.Services.AddSingleton<OutboxMetrics>();
        builder.Services.AddSingleton<OutboxStore>();
        builder.Services.AddSingleton<OutboxWriteQueue>();
        builder.Services.AddSingleton<OutboxRecorder>();
        builder.Services.AddSingleton<OutboxSender>();
        builder.Services.AddSingleton<OutboxWakeup>();
        builder.Services.AddHostedService<OutboxListener>();
        builder.Services.AddHostedService<OutboxPump>();
        return builder;
    }

    public static WebApplicationBuilder AddTeamLoops(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TeamOptions>().BindConfiguration(TeamOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<TeamLoops>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TeamLoops>());
        return builder;
    }

    /// <summary>The retention loop: raw webhook bodies, sent outbox rows, change feed, cache invalidations and stale
    /// heartbeats are deleted once they outlive their (configurable) retention.</summary>
    public static WebApplicationBuilder AddRetention(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RetentionLoop>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionLoop>());
        return builder;
    }

    /// <summary>Template submission (and deletion) at Meta, and the periodic template sync.</summary>
    public static WebApplicationBuilder AddTemplateLoops(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TemplateOptions>().BindConfiguration(TemplateOptions.Section).ValidateDataAnnotations()
            .Validate<IOptions<GraphOptions>>((o, graph) => o.LeaseSeconds > graph.Value.TimeoutSeconds,
                "Templates:LeaseSeconds must be longer than Graph:TimeoutSeconds, or a submission in flight could be claimed twice.")
            .ValidateOnStart();
        builder.Services.AddHttpClient<TemplateGraphClient>((sp, http) =>
            {
                var graph = sp.GetRequiredService<IOptions<GraphOptions>>().Value;
                http.BaseAddress = new Uri(graph.BaseAddress.TrimEnd('/') + "/");
                http.Timeout = graph.Timeout;
            })
            .RemoveAllLoggers();
        builder.Services.AddSingleton<TemplateSubmitLoop>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TemplateSubmitLoop>());
        builder.Services.AddSingleton<TemplateSyncLoop>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TemplateSyncLoop>());
        return builder;
    }

    /// <summary>The media download loop, the media store it writes to, and the Graph client for media calls (node
    /// lookup, download, upload of outbound files; the outbox sender uses it too).</summary>
    public static WebApplicationBuilder AddMedia(this WebApplicationBuilder builder)
    {
        builder.Services.AddMediaStore();
        builder.Services.AddOptions<MediaDownloadOptions>().BindConfiguration(MediaDownloadOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHttpClient<MediaGraphClient>((sp, http) =>
            {
                http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<GraphOptions>>().Value.BaseAddress.TrimEnd('/') + "/");
                // Bounds the wait for response headers; the body is bounded by each download's own deadline.
                http.Timeout = sp.GetRequiredService<IOptions<MediaDownloadOptions>>().Value.Timeout;
            })
            .RemoveAllLoggers(); // request lines would carry the signed download URLs
        builder.Services.AddSafeFetcher(); // the download URLs came from payloads: public addresses only
        builder.Services.AddSingleton<MediaDownloadStore>();
        builder.Services.AddSingleton<MediaDownloader>();
        builder.Services.AddSingleton<MediaWakeup>();
        builder.Services.AddSingleton<OutboundMedia>();
        builder.Services.AddHostedService<MediaListener>();
        builder.Services.AddHostedService<MediaDownloadPump>();
        return builder;
    }

    public static WebApplicationBuilder AddHeartbeats(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<HeartbeatOptions>().BindConfiguration(HeartbeatOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<WorkerLoops>();
        builder.Services.AddHostedService<HeartbeatService>();
        builder.Services.AddHealthChecks().AddCheck<LoopHealthCheck>("loops");
        return builder;
    }
}
