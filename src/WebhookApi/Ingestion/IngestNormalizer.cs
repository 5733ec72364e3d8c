using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Meta.Parsing;
using Npgsql;

namespace MultichannelMessages.WebhookApi.Ingestion;

/// <summary>
/// One normalizing stage: takes the events the raw stage stored (up to Ingest:NormalizeBatchSize at a time), claims
/// them, COPYs their parsed rows and normalizes them with one database call, on its own connection. Ingest:Normalizers
/// stages run side by side (<see cref="NormalizingStages"/>), all taking from the one <see cref="NormalizeQueue"/>.
/// The first one takes whatever is waiting; the others only a whole batch, so they join when the first falls behind.
/// The first also, every Ingest:OrphanAfterSeconds / 2, takes the events any Webhook API left pending longer than
/// Ingest:OrphanAfterSeconds (one that died between its two transactions) and normalizes them from their raw bodies.
/// A claim deletes the event's pending row inside the normalizing transaction, so each event is normalized once.
/// </summary>
public sealed class IngestNormalizer(
    NormalizeQueue queue,
    StagingWriter writer,
    NpgsqlDataSource dataSource,
    IngestMetrics metrics,
    IOptions<IngestOptions> options,
    ILogger<IngestNormalizer> logger,
    bool isFirst)
{
    /// <summary>A batch rolled back because another stage's batch held rows it needed (a deadlock, or a serialization
    /// failure) is taken again at once, this many times, before it counts as a failure.</summary>
    private const int MaxConflictRetries = 10;

    /// <summary>How often a stage other than the first looks whether a whole batch is waiting.</summary>
    private static readonly TimeSpan JoinPoll = TimeSpan.FromMilliseconds(10);

    private readonly IngestOptions _options = options.Value;
    private readonly StagingConnection _staging = new(dataSource);
    private long _nextOrphanPass;
    private long _lastBatchStart;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var batch = new List<PendingEvent>(_options.NormalizeBatchSize);
        // Runs until the raw stage completes the queue (after its own drain on shutdown), so what it handed over is
        // normalized before the process exits; a crash leaves the rest pending for the orphan pass.
        while (true)
        {
            var open = await WaitForWorkAsync(stoppingToken.IsCancellationRequested);
            // Below what the first stage sustains, its batches grow by themselves while it works, as with one stage;
            // the others taking what arrived meanwhile made more, smaller transactions, whose commits and fixed costs
            // slowed the raw stage (p99 at 1,000/s 23–42 ms against 15–18 ms with one stage; bench/RESULTS.md).
            if (!isFirst && open && queue.Depth < _options.NormalizeBatchSize)
            {
                await Task.Delay(JoinPoll);
                continue;
            }
            if (open) await SpaceAsync();
            while (batch.Count < _options.NormalizeBatchSize && queue.Reader.TryRead(out var next)) batch.Add(next);
            if (batch.Count > 0)
            {
                _lastBatchStart = Stopwatch.GetTimestamp();
                await NormalizeHandedAsync(batch);
                batch.Clear();
            }
            if (isFirst && !stoppingToken.IsCancellationRequested && Stopwatch.GetTimestamp() >= _nextOrphanPass)
                await NormalizeOrphansAsync(stoppingToken);
            if (!open && queue.Depth == 0) break;
        }
        await _staging.DisposeAsync();
    }

    /// <summary>Ingest:NormalizeMinSpacingMs: a batch that is not whole waits until that long after the previous batch
    /// started, so a steady stream makes fewer, larger transactions; an idle stage's first event goes at once.</summary>
    private async Task SpaceAsync()
    {
        if (_options.NormalizeMinSpacing <= TimeSpan.Zero || queue.Depth >= _options.NormalizeBatchSize) return;
        var wait = _options.NormalizeMinSpacing - Stopwatch.GetElapsedTime(_lastBatchStart);
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
    }

    /// <summary>Waits until events are handed over or the next orphan pass is due; false once the queue is completed.</summary>
    private async Task<bool> WaitForWorkAsync(bool stopping)
    {
        // No orphan passes (any more): handed events only, until the raw stage's drain completes the queue.
        if (stopping || !isFirst) return await queue.Reader.WaitToReadAsync();
        var untilOrphans = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _nextOrphanPass);
        if (untilOrphans <= TimeSpan.Zero) return !queue.Reader.Completion.IsCompleted;
        using var wait = new CancellationTokenSource(untilOrphans);
        try { return await queue.Reader.WaitToReadAsync(wait.Token); }
        catch (OperationCanceledException) { return true; }
    }

    /// <summary>Events this process stored: normalized now, or retried with backoff while the database is away (the
    /// raw events are safe; Normalized-mode requests are answered 503 at the first failure, and Meta redelivers).</summary>
    private async Task NormalizeHandedAsync(List<PendingEvent> batch)
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var conflicts = 0;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await NormalizeAsync(batch, stopping.Token);
                foreach (var e in batch) e.Normalized?.TrySetResult();
                return;
            }
            // Normalizing batches take what they share in one order (meta.normalize_staged), but other writers (the
            // Worker's sends and campaigns) need not: the database rolled the whole batch back and the connection is
            // fine, so it is taken again at once, without failing its waiters or dropping the staging.
            catch (PostgresException ex) when (IsConflict(ex) && conflicts < MaxConflictRetries && !stopping.IsCancellationRequested)
            {
                conflicts++;
                attempt--;
                metrics.NormalizeConflict();
                IngestLog.NormalizeConflict(logger, batch.Count, ex.SqlState, conflicts);
                await Task.Delay(Random.Shared.Next(5, 50));
            }
            // Anything, not only the database's errors: the raw events are safe whatever failed here, and this stage must
            // outlive a bad batch (which, after five tries, is left to the orphan pass) rather than stop the process.
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                metrics.NormalizeFailed();
                IngestLog.NormalizeFailed(logger, batch.Count, attempt, ex);
                await _staging.DropAsync();
                foreach (var e in batch) e.Normalized?.TrySetException(ex);
                if (attempt >= 5) return; // left pending: the orphan pass of this or another Webhook API takes them
                await Task.Delay(TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt)));
            }
        }
    }

    private static bool IsConflict(PostgresException ex) =>
        ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure;

    private async Task NormalizeOrphansAsync(CancellationToken ct)
    {
        _nextOrphanPass = Stopwatch.GetTimestamp() + (long)(_options.OrphanAfterSeconds / 2.0 * Stopwatch.Frequency);
        try
        {
            int found;
            do
            {
                var connection = await _staging.ReadyAsync(ct);
                await using var tx = await connection.BeginTransactionAsync(ct);
                var rows = (await connection.QueryAsync<(long EventId, long? AppId, DateTime ReceivedAt, byte[] Body)>(new CommandDefinition(
                    "select event_id, app_id, received_at, body from meta.claim_orphaned_events(@age, @limit)",
                    new { age = _options.OrphanAfterSeconds, limit = _options.NormalizeBatchSize }, tx, cancellationToken: ct))).ToList();
                found = rows.Count;
                if (found == 0) return;
                var events = rows.Select(r => new PendingEvent(r.EventId, new DateTimeOffset(r.ReceivedAt, TimeSpan.Zero), r.AppId,
                    WebhookParser.Parse(r.Body))).ToList();
                try
                {
                    await ApplyAsync(connection, events, tx, ct);
                    await tx.CommitAsync(ct);
                    _staging.Committed();
                }
                // Any failure, not only data: an event that fails on its own for another reason (a defect, a lock that
                // keeps timing out) would otherwise be claimed again every pass, for ever, and hold back the orphans
                // claimed with it. Each is taken again on its own below, and such a failure is counted on its pending row.
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    if (ex is not PostgresException data || !IngestFlusher.IsDataError(data)) IngestLog.NormalizeFailed(logger, found, 1, ex);
                    try { await tx.RollbackAsync(ct); } // the claim too
                    catch (NpgsqlException) { } // a broken connection rolled it back already
                    await _staging.DropAsync();
                    await NormalizeOneByOneAsync(events, ct, countOtherFailures: true);
                }
                IngestLog.OrphansNormalized(logger, found);
            } while (found == _options.NormalizeBatchSize && !ct.IsCancellationRequested);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            metrics.NormalizeFailed();
            IngestLog.NormalizeFailed(logger, 0, 1, ex);
            await _staging.DropAsync();
        }
    }

    /// <summary>Claims, COPYs and normalizes the events, and commits; a batch the database refuses as data goes event
    /// by event.</summary>
    private async Task NormalizeAsync(List<PendingEvent> events, CancellationToken ct)
    {
        try
        {
            await ClaimAndApplyAsync(events, ct);
        }
        catch (PostgresException ex) when (IngestFlusher.IsDataError(ex))
        {
            IngestLog.BatchDataError(logger, events.Count, ex.SqlState, ex.MessageText);
            await _staging.DropAsync();
            await NormalizeOneByOneAsync(events, ct);
        }
    }

    private async Task ClaimAndApplyAsync(List<PendingEvent> events, CancellationToken ct)
    {
        var connection = await _staging.ReadyAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var ids = events.Select(e => e.EventId).ToArray();
        var mine = (await connection.QueryAsync<long>(new CommandDefinition(
            "select meta.claim_pending_events(@ids)", new { ids }, tx, cancellationToken: ct))).ToHashSet();
        // An orphan pass elsewhere may have taken some (this process fell far behind): those are normalized there.
        var claimedEvents = mine.Count == events.Count ? events : events.Where(e => mine.Contains(e.EventId)).ToList();
        if (claimedEvents.Count > 0) await ApplyAsync(connection, claimedEvents, tx, ct);
        await tx.CommitAsync(ct);
        _staging.Committed();
    }

    private async Task ApplyAsync(NpgsqlConnection connection, List<PendingEvent> events, NpgsqlTransaction tx, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await writer.WriteParsedAsync(connection, events, ct);
        var analyze = _staging.NeedsFreshStatistics(events.Count);
        await connection.ExecuteAsync(new CommandDefinition("select meta.normalize_staged(@analyze)", new { analyze }, tx, cancellationToken: ct));
        if (analyze) _staging.Analyzed(events.Count);
        metrics.Normalized(events.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>One event whose rows the database refuses (e.g. a \u0000 inside JSON, which jsonb rejects) must not
    /// hold back the others: each is normalized on its own, and a refused one is kept raw with the reason. For the
    /// orphan pass (countOtherFailures), an event failing on its own for any other reason has the failure counted on its
    /// pending row, and is kept raw with ingest_error once it failed Ingest:NormalizeMaxAttempts times. If the database
    /// itself is away, the count cannot be written either: nothing is counted, and the pass ends.</summary>
    private async Task NormalizeOneByOneAsync(List<PendingEvent> events, CancellationToken ct, bool countOtherFailures = false)
    {
        foreach (var e in events)
        {
            try { await ClaimAndApplyAsync([e], ct); }
            catch (PostgresException single) when (IngestFlusher.IsDataError(single))
            {
                await _staging.DropAsync();
                var connection = await _staging.ReadyAsync(ct);
                await connection.ExecuteAsync(new CommandDefinition("select meta.fail_pending_event(@id, @error)",
                    new { id = e.EventId, error = $"{single.SqlState}: {single.MessageText}" }, cancellationToken: ct));
            }
            catch (Exception other) when (countOtherFailures && !ct.IsCancellationRequested)
            {
                await _staging.DropAsync();
                var connection = await _staging.ReadyAsync(ct);
                var error = other is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : $"{other.GetType().Name}: {other.Message}";
                var gaveUp = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "select meta.note_normalize_failure(@id, @error, @max)",
                    new { id = e.EventId, error, max = _options.NormalizeMaxAttempts }, cancellationToken: ct));
                metrics.NormalizeFailed();
                IngestLog.NormalizeEventFailed(logger, e.EventId, gaveUp, other);
            }
        }
    }
}
