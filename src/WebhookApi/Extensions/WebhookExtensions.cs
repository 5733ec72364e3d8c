using MultichannelMessages.WebhookApi.Ingestion;
using MultichannelMessages.WebhookApi.Signatures;

namespace MultichannelMessages.WebhookApi.Extensions;

public static class WebhookExtensions
{
    public static WebApplicationBuilder AddWebhookIngestion(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IngestMetrics>();
        builder.Services.AddSingleton<RejectionLog>();
        builder.Services.AddSingleton<IngestQueue>();
        builder.Services.AddSingleton<NormalizeQueue>();
        builder.Services.AddSingleton<StagingWriter>();
        // The normalizing stages are registered first so they stop last: the host stops services in reverse order, and
        // the raw stage's shutdown drain hands its last events to them.
        builder.Services.AddHostedService<NormalizingStages>();
        builder.Services.AddHostedService<IngestFlusher>();
        builder.Services.AddSingleton<AppSecrets>();
        builder.Services.AddSingleton<Apis.WebhookServices>();
        builder.Services.AddHostedService<AppSecretsRefresher>();
        builder.Services.AddHealthChecks().AddCheck<QueueHealthCheck>("ingest_queue");
        return builder;
    }
}
