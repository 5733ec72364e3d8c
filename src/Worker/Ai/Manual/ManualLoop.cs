using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Outbox;
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return;
        var status = loops.Register(LoopName);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                status.Iterated(time.GetUtcNow());
                IReadOnlyList<ManualDocument> claimed;
                try
                {
                    // Not cancelled by shutdown: a committed claim that is never read strands its row until the lease expires.
                    claimed = await store.ClaimAsync(identity.Id, 1, _options.LeaseSeconds, _options.MaxAttempts, CancellationToken.None);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    status.Error("claim: " + ex.Message);
                    LogClaimFailed(logger, ex.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(_options.PollIntervalMs), time, stoppingToken);
                    continue;
                }
                status.Claimed(time.GetUtcNow(), claimed.Count, null);
                foreach (var doc in claimed) await IngestOneAsync(doc, status, stoppingToken);
                if (claimed.Count == 0) await Task.Delay(TimeSpan.FromMilliseconds(_options.PollIntervalMs), time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
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

    [LoggerMessage(743, LogLevel.Warning, "Claiming manual documents failed: {Error}")]
    private static partial void LogClaimFailed(ILogger logger, string error);

    [LoggerMessage(744, LogLevel.Error, "Ingesting manual document {DocumentId} failed unexpectedly; it is tried again when its lease expires")]
    private static partial void LogUnexpected(ILogger logger, long documentId, Exception exception);
}
