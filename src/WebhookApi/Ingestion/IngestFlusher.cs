using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MultichannelMessages.WebhookApi.Ingestion;

/// <summary>
/// The single writer: takes batches off the queue (group commit — a batch closes at MaxBatchSize, at the flush
/// interval, or when the previous flush ends), writes raw + normalized rows by COPY and normalizes them with one
/// database call, then acknowledges the batch's requests. On graceful shutdown it drains the queue.
/// </summary>
public sealed class IngestFlusher(
    IngestQueue queue,
    StagingWriter writer,
    NpgsqlDataSource dataSource,
    IngestMetrics metrics,
    IOptions<IngestOptions> options,
    ILogger<IngestFlusher> logger) : BackgroundService
{
    private readonly IngestOptions _options = options.Value;
    private NpgsqlConnection? _connection;
    private int _analyzedAtBatchSize;
    private bool _stagingHoldsRows;
    private int _resetsSinceVacuum;

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
        if (_connection is not null) await _connection.DisposeAsync();
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

    /// <summary>Durable: a failed commit answers 503 to the batch's requests (Meta redelivers). Fast: the events were
    /// already acknowledged, so the batch is retried with backoff until it commits.</summary>
    private async Task FlushUntilDoneAsync(List<WebhookEnvelope> batch, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await FlushAsync(batch, ct);
                foreach (var e in batch) e.Committed?.TrySetResult();
                break;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                metrics.FlushFailed();
                IngestLog.FlushFailed(logger, batch.Count, attempt, ex);
                await ResetConnectionAsync();
                if (_options.AckMode == AckMode.Durable)
                {
                    foreach (var e in batch) e.Committed?.TrySetException(ex);
                    return;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 100 * Math.Pow(2, Math.Min(attempt, 6)))), ct);
            }
        }

        // After the acknowledgements, not before: emptying staging costs a few ms nobody should wait for.
        try { await ResetStagingAsync(ct); }
        catch (NpgsqlException ex)
        {
            IngestLog.StagingResetFailed(logger, ex);
            await ResetConnectionAsync();
        }
    }

    private async Task FlushAsync(List<WebhookEnvelope> batch, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await WriteAsync(batch, ct);
            metrics.Flushed(result.EventsInserted, result.EventsDuplicate, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (PostgresException ex) when (IsDataError(ex))
        {
            // One event with rows the database refuses (e.g. a \u0000 inside JSON, which jsonb rejects) must not
            // hold back the others: store each event on its own, and a refused one raw-only with the reason.
            IngestLog.BatchDataError(logger, batch.Count, ex.SqlState, ex.MessageText);
            foreach (var envelope in batch)
            {
                try { await WriteAsync([envelope], ct); }
                catch (PostgresException single) when (IsDataError(single))
                {
                    envelope.IngestError = $"{single.SqlState}: {single.MessageText}";
                    await WriteAsync([envelope], ct);
                }
            }
            metrics.Flushed(batch.Count, 0, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private async Task<IngestResult> WriteAsync(IReadOnlyList<WebhookEnvelope> batch, CancellationToken ct)
    {
        var connection = await GetConnectionAsync(ct);
        await ResetStagingAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await writer.WriteAsync(connection, batch, ct);
        var analyze = NeedsFreshStatistics(batch.Count);
        var result = await connection.QuerySingleAsync<IngestResult>(new CommandDefinition(
            """
            select events_inserted as EventsInserted, events_duplicate as EventsDuplicate,
                   messages_inserted as MessagesInserted, statuses_inserted as StatusesInserted
            from meta.ingest_staged(@analyze)
            """, new { analyze }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        if (analyze) _analyzedAtBatchSize = batch.Count;
        _stagingHoldsRows = true;
        return result;
    }

    /// <summary>Committed batches leave their rows in the staging tables (see db/functions/020_meta_ingest_staging.sql).</summary>
    private async Task ResetStagingAsync(CancellationToken ct)
    {
        if (!_stagingHoldsRows || _connection is null) return;
        await using var reset = new NpgsqlCommand("select meta.reset_ingest_staging()", _connection);
        await reset.ExecuteNonQueryAsync(ct);
        if (++_resetsSinceVacuum >= 50)
        {
            // Temp tables are never autovacuumed; without this the deleted rows pile up and every scan slows.
            await using var vacuum = new NpgsqlCommand(
                "vacuum stg_events, stg_messages, stg_media, stg_statuses, stg_business, stg_new_events, stg_new_messages, stg_new_statuses",
                _connection);
            await vacuum.ExecuteNonQueryAsync(ct);
            _resetsSinceVacuum = 0;
        }
        _stagingHoldsRows = false;
    }

    /// <summary>Staging statistics are refreshed when the batch size moved by 4x since they were taken: plans then
    /// follow the load, but are not rebuilt on every batch (see db/functions/100_meta_ingest_staged.sql).</summary>
    private bool NeedsFreshStatistics(int batchSize) =>
        _analyzedAtBatchSize == 0 || batchSize >= 4 * _analyzedAtBatchSize || 4 * batchSize <= _analyzedAtBatchSize;

    private static bool IsDataError(PostgresException ex) =>
        ex.SqlState.StartsWith("22", StringComparison.Ordinal) || ex.SqlState.StartsWith("23", StringComparison.Ordinal);

    private async Task<NpgsqlConnection> GetConnectionAsync(CancellationToken ct)
    {
        if (_connection is { State: System.Data.ConnectionState.Open }) return _connection;
        await ResetConnectionAsync();
        var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var setup = new NpgsqlCommand("select meta.create_ingest_staging()", connection))
            await setup.ExecuteNonQueryAsync(ct);
        return _connection = connection;
    }

    private async Task ResetConnectionAsync()
    {
        if (_connection is null) return;
        try { await _connection.DisposeAsync(); } catch (NpgsqlException) { }
        _connection = null;
        _analyzedAtBatchSize = 0;
        _stagingHoldsRows = false;
    }

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

    private sealed record IngestResult(int EventsInserted, int EventsDuplicate, int MessagesInserted, int StatusesInserted);
}
