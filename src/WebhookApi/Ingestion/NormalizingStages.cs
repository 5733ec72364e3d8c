using Microsoft.Extensions.Options;

namespace MultichannelMessages.WebhookApi.Ingestion;

/// <summary>
/// Ingest:Normalizers normalizing stages side by side, each an <see cref="IngestNormalizer"/> on its own connection,
/// all taking batches from the one <see cref="NormalizeQueue"/>: one stage was the bound of the durable closed loop
/// (the raw stage waits once the backlog is full). The others join the first only when a whole batch waits, and only the
/// first runs the orphan pass; two would only race for the same rows (they skip each other's, but each would scan).
/// </summary>
public sealed class NormalizingStages(IServiceProvider services, IOptions<IngestOptions> options) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.Normalizers).Select(i =>
            ActivatorUtilities.CreateInstance<IngestNormalizer>(services, i == 0).RunAsync(stoppingToken)));
}
