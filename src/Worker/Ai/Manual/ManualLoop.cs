using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Outbox;
using MultichannelMessages.Worker.Loops;
using Npgsql;

namespace MultichannelMessages.Worker.Ai.Manual;

/// <summary>
/// The manual's loop: claims pending documents one at a time (bot.claim_ai_documents: FOR UPDATE SKIP LOCKED, so
/// Workers share them; a document can be megabytes and hundreds of embedding calls, so one at a time per Worker) and
/// ingests each. Liveness and counts go to the heartbeat as loop "ai_manual".
/// </summary>
public sealed partial class ManualLoop(
    ManualStore store,
    ManualIngester ingester,
    WorkerLoops loops,
    WorkerIdentity identity,
    TimeProvider time,
    IOptions<ManualOptions> options,
    ILogger<ManualLoop> logger) : BackgroundService
{
    public const string LoopName = "ai_manual";
    private readonly ManualOptions _options = options.Value;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return Task.CompletedTask;
        var status = loops.Register(LoopName);
        return ClaimLoop.RunAsync(status, time, logger, 1, 1, TimeSpan.FromMilliseconds(_options.PollIntervalMs),
            limit => store.ClaimAsync(identity.Id, limit, _options.LeaseSeconds, _options.MaxAttempts, CancellationToken.None),
            doc => IngestOneAsync(doc, status, stoppingToken), _ => null, stoppingToken);
    }

    private async Task IngestOneAsync(ManualDocument doc, LoopStatus status, CancellationToken ct)
    {
        status.Started();
        try
        {
            switch (await ingester.IngestAsync(doc, ct))
            {
                case IngestOutcome.Ready: status.CountSent(); break;
                case IngestOutcome.Failed: status.CountFailed(); break;
                case IngestOutcome.Retrying: status.CountRetried(); break;
                case IngestOutcome.Deferred: status.CountDeferred(); break;
                case IngestOutcome.LeaseLost: status.CountLeaseLost(); break;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutdown mid-document: the lease expires and another attempt starts over (chunks already embedded are kept).
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The lease runs out and the document is claimed again; the attempts bound how often.
            status.Error(ex.Message);
            LogUnexpected(logger, doc.Id, ex);
        }
        finally
        {
            status.Finished();
        }
    }

    [LoggerMessage(744, LogLevel.Error, "Ingesting manual document {DocumentId} failed unexpectedly; it is tried again when its lease expires")]
    private static partial void LogUnexpected(ILogger logger, long documentId, Exception exception);
}
