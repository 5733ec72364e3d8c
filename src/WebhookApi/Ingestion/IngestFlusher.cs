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
                return;
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
        await using var tx = await connection.BeginTransactionAsync(ct);
        await writer.WriteAsync(connection, batch, ct);
        var result = await connection.QuerySingleAsync<IngestResult>(
            new CommandDefinition("select events_inserted as EventsInserted, events_duplicate as EventsDuplicate, messages_inserted as MessagesInserted, statuses_inserted as StatusesInserted from meta.ingest_staged()", transaction: tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return result;
    }

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
