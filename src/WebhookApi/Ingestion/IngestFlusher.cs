using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MultichannelMessages.WebhookApi.Ingestion;

/// <summary>
/// The raw stage, the single writer of raw events: takes batches off the queue (group commit — a batch closes at
/// MaxBatchSize, at the flush interval, or when the previous flush ends), stores their raw events by COPY with one
/// database call and commits, acknowledges them (Durable mode), and hands the new ones to the normalizing stage
/// (<see cref="IngestNormalizer"/>), which normalizes them in the next transaction on its own connection while this
/// stage stores the next batch. On graceful shutdown it drains the queue.
/// </summary>
public sealed class IngestFlusher(
    IngestQueue queue,
    NormalizeQueue normalizeQueue,
    StagingWriter writer,
    NpgsqlDataSource dataSource,
    IngestMetrics metrics,
    IOptions<IngestOptions> options,
    ILogger<IngestFlusher> logger) : BackgroundService
{
    private readonly IngestOptions _options = options.Value;
    private readonly StagingConnection _staging = new(dataSource);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<WebhookEnvelope>(_options.MaxBatchSize);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await CollectBatchAsync(batch, stoppingToken);
                await FlushUntilDoneAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }

        await DrainAsync(batch);
        normalizeQueue.Complete();
        await _staging.DisposeAsync();
    }

    private async Task CollectBatchAsync(List<WebhookEnvelope> batch, CancellationToken ct)
    {
        batch.Add(await queue.Reader.ReadAsync(ct));
        var deadline = Stopwatch.GetTimestamp() + (long)(_options.FlushInterval.TotalSeconds * Stopwatch.Frequency);
        while (batch.Count < _options.MaxBatchSize)
        {
            if (queue.Reader.TryRead(out var next)) { batch.Add(next); continue; }
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (remaining <= TimeSpan.Zero) break;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(remaining);
            try { await queue.Reader.WaitToReadAsync(wait.Token); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { break; }
        }
    }

    /// <summary>Durable and Normalized: a failed commit answers 503 to the batch's requests (Meta redelivers). Fast:
    /// the events were already acknowledged, so the batch is retried with backoff until it commits.</summary>
    private async Task FlushUntilDoneAsync(List<WebhookEnvelope> batch, CancellationToken ct)
    {
        List<(WebhookEnvelope Envelope, long EventId)> stored;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                stored = await FlushAsync(batch, ct);
                break;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                metrics.FlushFailed();
                IngestLog.FlushFailed(logger, batch.Count, attempt, ex);
                await _staging.DropAsync();
                if (_options.AckMode != AckMode.Fast)
                {
                    foreach (var e in batch) e.Committed?.TrySetException(ex);
                    return;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 100 * Math.Pow(2, Math.Min(attempt, 6)))), ct);
            }
        }

        // Normalized mode answers an event the normalizing stage takes once it is normalized; everything else now:
        // its raw event has committed (a duplicate's did before).
        var handed = new HashSet<WebhookEnvelope>(stored.Select(s => s.Envelope), ReferenceEqualityComparer.Instance);
        foreach (var e in batch)
            if (_options.AckMode != AckMode.Normalized || !handed.Contains(e)) e.Committed?.TrySetResult();
        foreach (var (envelope, eventId) in stored)
            await normalizeQueue.AddAsync(new PendingEvent(eventId, envelope.ReceivedAt, envelope.AppId, envelope.Parsed,
                _options.AckMode == AckMode.Normalized ? envelope.Committed : null), ct);

        // After the acknowledgements, not before: emptying staging costs a few ms nobody should wait for.
        try { await _staging.EmptyAsync(ct); }
        catch (NpgsqlException ex)
        {
            IngestLog.StagingResetFailed(logger, ex);
            await _staging.DropAsync();
        }
    }

    /// <summary>The batch's new events that have something to normalize, with their ids.</summary>
    private async Task<List<(WebhookEnvelope Envelope, long EventId)>> FlushAsync(List<WebhookEnvelope> batch, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var stored = await WriteAsync(batch, ct);
            metrics.Flushed(stored.Count, batch.Count - stored.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return stored.Where(s => s.Pending).Select(s => (s.Envelope, s.EventId)).ToList();
        }
        catch (PostgresException ex) when (IsDataError(ex))
        {
            // One event with a value the database refuses must not hold back the others: store each event on its own,
            // and a refused one with the reason only.
            IngestLog.BatchDataError(logger, batch.Count, ex.SqlState, ex.MessageText);
            var stored = new List<(WebhookEnvelope, long)>();
            foreach (var envelope in batch)
            {
                List<(WebhookEnvelope Envelope, long EventId, bool Pending)> one;
                try { one = await WriteAsync([envelope], ct); }
                catch (PostgresException single) when (IsDataError(single))
                {
                    envelope.IngestError = $"{single.SqlState}: {single.MessageText}";
                    one = await WriteAsync([envelope], ct);
                }
                stored.AddRange(one.Where(s => s.Pending).Select(s => (s.Envelope, s.EventId)));
            }
            metrics.Flushed(stored.Count, batch.Count - stored.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return stored;
        }
    }

    private async Task<List<(WebhookEnvelope Envelope, long EventId, bool Pending)>> WriteAsync(IReadOnlyList<WebhookEnvelope> batch, CancellationToken ct)
    {
        var connection = await _staging.ReadyAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await writer.WriteEventsAsync(connection, batch, ct);
        var rows = await connection.QueryAsync<(int Seq, long EventId, bool Pending)>(new CommandDefinition(
            "select seq, event_id, pending from meta.ingest_raw_staged()", transaction: tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        _staging.Committed();
        return rows.Select(r => (batch[r.Seq], r.EventId, r.Pending)).ToList();
    }

    internal static bool IsDataError(PostgresException ex) =>
        ex.SqlState.StartsWith("22", StringComparison.Ordinal) || ex.SqlState.StartsWith("23", StringComparison.Ordinal);

    /// <summary>Graceful shutdown: everything still queued is written before the process exits.</summary>
    private async Task DrainAsync(List<WebhookEnvelope> batch)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var drained = 0;
        while (true)
        {
            while (batch.Count < _options.MaxBatchSize && queue.Reader.TryRead(out var e)) batch.Add(e);
            if (batch.Count == 0) break;
            try { await FlushUntilDoneAsync(batch, timeout.Token); }
            catch (OperationCanceledException) { IngestLog.DrainAbandoned(logger, batch.Count + queue.Depth); return; }
            drained += batch.Count;
            batch.Clear();
        }
        if (drained > 0) IngestLog.Drained(logger, drained);
    }
}
