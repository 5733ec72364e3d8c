using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace MultichannelMessages.Platform.Import;

public sealed record ImportOptions(long ProjectId, string File, string SourceSystem, string Source = "generic", int BatchSize = 5_000)
{
    /// <summary>Stop (as an interruption would) after this many batches: how the tests interrupt a run.</summary>
    public int? StopAfterBatches { get; init; }

    /// <summary>The name the run shows (the uploaded or exported file's), when <see cref="File"/> is a converted copy.</summary>
    public string? DisplayName { get; init; }

    /// <summary>A source read directly lists what became of each of its fields (kept with the run, shown in its report).</summary>
    public IReadOnlyList<Sources.FieldDecision>? Decisions { get; init; }

    /// <summary>At most this many messages a second on average (null: as fast as the database goes). An import beside live
    /// traffic takes both cores of a small machine; a cap keeps the inbox's reads within their target meanwhile.</summary>
    public int? MaxMessagesPerSecond { get; init; }

    /// <summary>Connections applying batches at once (1 or 2). With 2, a batch of messages and notes only is applied
    /// beside the one before it and committed after it, so the cursor still moves in file order; any other batch, or one
    /// sharing a Meta id with the batch before it, waits for that batch's commit first (docs/import.md, "Speed").</summary>
    public int Connections { get; init; } = 1;

    /// <summary>Called after each committed batch; false stops the run as an interruption (a cancelled console job, a lost
    /// lease), and the next start of the same file resumes at its cursor.</summary>
    public Func<ImportProgress, CancellationToken, Task<bool>>? OnBatch { get; init; }
}

/// <summary>Where a run stands after a batch: the share of the file committed, the rate and the time left.</summary>
public sealed record ImportProgress(long RunId, long Offset, long TotalBytes, long Lines, long Messages, double MessagesPerSecond, TimeSpan Eta)
{
    public double Percent => TotalBytes == 0 ? 100 : 100.0 * Offset / TotalBytes;
}

public sealed record ImportResult(long RunId, string Status, bool Resumed, IReadOnlyList<ImportReportRow> Report);

/// <summary>
/// Streams a generic-format file into a project (docs/import.md): lines are read and checked in C#
/// (GenericRecordParser), written per batch by binary COPY into staging (ImportBatchWriter) and applied by one
/// set-based function per entity (ops.import_apply_batch), each batch one transaction with its id maps, rejects,
/// counters and the resume cursor. The same file again finds everything present; an interrupted run of the file
/// resumes at its cursor.
/// </summary>
public static class ImportEngine
{
    public static async Task<ImportResult> RunAsync(NpgsqlDataSource db, ImportOptions options, TextWriter progress, CancellationToken ct)
    {
        var fileBytes = new FileInfo(options.File).Length;
        var sha = await HashAsync(options.File, ct);
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await connection.ExecuteScalarAsync<long?>("select id from core.projects where id = @ProjectId", new { options.ProjectId }) is null)
            throw new InvalidOperationException($"Project {options.ProjectId} does not exist.");
        // A pooled session is not reset on close (DatabaseExtensions.WithoutResetOnClose): an earlier import's staged
        // rows (its emptying failed) must never be applied to this run, so the session's temp tables go first.
        await connection.ExecuteAsync("discard temp; select ops.create_import_staging()");
        var run = await connection.QuerySingleAsync<(long RunId, long CursorLine, long CursorOffset, bool Resumed)>(
            "select run_id, cursor_line, cursor_offset, resumed from ops.import_begin(@ProjectId, @Source, @SourceSystem, @File, @sha, @fileBytes)",
            new { options.ProjectId, options.Source, options.SourceSystem, File = options.DisplayName ?? Path.GetFileName(options.File), sha, fileBytes });
        if (options.Decisions is { } decisions)
            await connection.ExecuteAsync("select ops.import_set_decisions(@RunId, @decisions::jsonb)",
                new { run.RunId, decisions = JsonSerializer.Serialize(decisions.Select(d => new { entity = d.Entity, field = d.SourceField, decision = d.Decision })) });

        try
        {
            return await ImportAsync(db, connection, options, run, fileBytes, progress, ct);
        }
        finally
        {
            // The run's session lock (ops.import_begin): released now, not whenever the pool resets this connection. A
            // connection broken by the failure cannot release it, and needs not: the lock ends with its session.
            try { await connection.ExecuteAsync("select pg_advisory_unlock(ops.import_lock_key(@RunId))", new { run.RunId }); }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException) { }
        }
    }

    /// <summary>A source read directly (Chatwoot, a WhatsApp chat export): converted to the generic format at
    /// <c>options.File</c> (deterministic, so an interrupted run's file converts to the same bytes and resumes), imported
    /// with the source's field decisions, and the converted copy removed.</summary>
    public static async Task<ImportResult> ConvertAndRunAsync(NpgsqlDataSource db, Sources.IImportSource source, ImportOptions options,
        TextWriter progress, CancellationToken ct)
    {
        try
        {
            await using (var output = new FileStream(options.File, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                await source.ConvertAsync(output, ct);
            return await RunAsync(db, options with { Source = source.Name, Decisions = source.Decisions }, progress, ct);
        }
        finally
        {
            File.Delete(options.File);
        }
    }

    private static async Task<ImportResult> ImportAsync(NpgsqlDataSource db, NpgsqlConnection connection, ImportOptions options,
        (long RunId, long CursorLine, long CursorOffset, bool Resumed) run, long fileBytes, TextWriter progress, CancellationToken ct)
    {
        var parser = new GenericRecordParser();
        if (run.Resumed)
            foreach (var (kind, sourceId) in await connection.QueryAsync<(string, string)>("select kind, source_id from ops.import_run_mapped(@RunId)", new { run.RunId }))
                parser.Seen(kind, sourceId);
        await progress.WriteLineAsync(run.Resumed
            ? $"Import run {run.RunId}: resuming {Path.GetFileName(options.File)} at line {run.CursorLine + 1:N0}."
            : $"Import run {run.RunId}: {Path.GetFileName(options.File)} ({fileBytes:N0} bytes) into project {options.ProjectId} as \"{options.SourceSystem}\".");

        var meter = new ProgressMeter(progress, fileBytes, run.CursorOffset);
        var batches = 0;
        Task<ImportBatch>? readAhead = null;
        // The second connection, when there is one: its own staging tables, no run lock (the first session holds it).
        await using var second = options.Connections > 1 ? await db.OpenConnectionAsync(ct) : null;
        if (second is not null) await second.ExecuteAsync("discard temp; select ops.create_import_staging()");
        InFlight? previous = null, current = null;
        try
        {
            using var reader = JsonLinesReader.Open(options.File, run.CursorOffset, run.CursorLine);
            // The next batch is read and checked on another core while the database applies this one: parsing is about
            // a fifth of an import's time, and the reader and parser are only ever used by one batch at a time.
            ImportBatch Read()
            {
                var batch = new ImportBatch();
                while (batch.Lines < options.BatchSize && reader.TryReadLine(out var line))
                {
                    batch.Lines++;
                    if (line.Span.Trim((byte)' ').IsEmpty) continue;
                    parser.Parse(line, reader.LineNumber, batch);
                }
                batch.EndLine = reader.LineNumber;
                batch.EndOffset = reader.Offset;
                return batch;
            }

            // After a batch's commit, in file order: the meter, the pace, the console's callback, the tests' stop.
            async Task<string?> CommittedAsync(ImportBatch batch)
            {
                batches++;
                var now = meter.Batch(batch.EndOffset, batch.Messages.Count, batch.Lines);
                if (options.MaxMessagesPerSecond is > 0 and var cap)
                    await meter.PaceAsync(cap, ct);
                return options.StopAfterBatches is { } stop && batches >= stop ? $"stopped after {batches} batch(es)"
                    : options.OnBatch is { } onBatch && !await onBatch(now with { RunId = run.RunId }, ct) ? "stopped by the console"
                    : null;
            }

            readAhead = Task.Run(Read, ct);
            try
            {
                while (true)
                {
                    ct.ThrowIfCancellationRequested();
                    var batch = await readAhead;
                    readAhead = null;
                    if (batch.Lines == 0) break;
                    readAhead = Task.Run(Read, ct);
                    // Alone: one connection, a batch that creates what later lines refer to (or follows one), or one sharing a
                    // Meta id with the batch in flight (its claim would wait for that batch, which must never wait for it).
                    if (previous is not null && (second is null || previous.Barrier || InFlight.IsBarrier(batch) || previous.SharesMetaIds(batch)))
                    {
                        var stopped = await FinishAsync(previous, allow: true);
                        previous = null;
                        if (stopped is not null) return await InterruptedAsync(stopped);
                    }
                    current = new InFlight(batch, previous is null || previous.Connection == second ? connection : second!);
                    // The batch in flight holds its lock (ops.import_batch_key) before this one starts, so this one's wait
                    // for it cannot come first.
                    if (previous is not null) await Task.WhenAny(previous.Started.Task, previous.Done);
                    current.Done = ApplyAsync(current.Connection, run.RunId, batch, previous?.Batch.EndLine, current.Started,
                        current.MayCommit.Task, ct);
                    if (previous is not null)
                    {
                        var stopped = await FinishAsync(previous, allow: true);
                        if (stopped is not null)
                        {
                            await FinishAsync(current, allow: false);
                            return await InterruptedAsync(stopped);
                        }
                    }
                    previous = current;
                }
                if (previous is not null)
                {
                    var stopped = await FinishAsync(previous, allow: true);
                    previous = null;
                    if (stopped is not null) return await InterruptedAsync(stopped);
                }
            }
            finally
            {
                // Whatever ended the loop: a batch still in flight rolls back, and the read-ahead is done with the
                // reader before the reader is closed.
                await AbandonAsync(previous);
                await AbandonAsync(current);
                await DrainAsync(readAhead);
            }

            // Lets a batch commit (or roll back) once the one before it has committed, and waits for it. A batch that
            // failed throws here; the finally above then rolls back the other one in flight.
            async Task<string?> FinishAsync(InFlight f, bool allow)
            {
                f.MayCommit.TrySetResult(allow);
                await f.Done;
                return allow ? await CommittedAsync(f.Batch) : null;
            }

            async Task<ImportResult> InterruptedAsync(string why)
            {
                await connection.ExecuteAsync("select ops.import_interrupt(@RunId, @error)", new { run.RunId, error = why });
                return new ImportResult(run.RunId, "interrupted", run.Resumed, await ImportReport.ReadAsync(connection, run.RunId));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or NpgsqlException or IOException)
        {
            // The batches in flight rolled back; what committed stays, and the next start of this file resumes after it.
            await using var stopped = await db.OpenConnectionAsync(CancellationToken.None);
            await stopped.ExecuteAsync("select ops.import_interrupt(@RunId, @error)", new { run.RunId, error = ex.Message });
            throw;
        }
        await connection.ExecuteAsync("select ops.import_finish(@RunId)", new { run.RunId });
        meter.Done();
        return new ImportResult(run.RunId, "completed", run.Resumed, await ImportReport.ReadAsync(connection, run.RunId));
    }

    /// <summary>A batch applied on one of the run's connections, committed only when the loop allows it (after the batch
    /// before it committed).</summary>
    private sealed class InFlight(ImportBatch batch, NpgsqlConnection connection)
    {
        public ImportBatch Batch { get; } = batch;
        public NpgsqlConnection Connection { get; } = connection;
        public TaskCompletionSource<bool> MayCommit { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task Done { get; set; } = Task.CompletedTask;
        public bool Barrier { get; } = IsBarrier(batch);
        private HashSet<string>? _metaIds;

        /// <summary>Anything but messages, notes and rejects: what later lines refer to, committed before they are read.</summary>
        public static bool IsBarrier(ImportBatch b) =>
            b.Accounts.Count + b.Agents.Count + b.Tags.Count + b.Templates.Count + b.Contacts.Count + b.Conversations.Count > 0;

        public bool SharesMetaIds(ImportBatch next)
        {
            _metaIds ??= Batch.Messages.Where(m => m.ProviderMessageId is not null).Select(m => m.ProviderMessageId!).ToHashSet(StringComparer.Ordinal);
            return _metaIds.Count > 0 && next.Messages.Any(m => m.ProviderMessageId is not null && _metaIds.Contains(m.ProviderMessageId));
        }
    }

    /// <summary>A batch still in flight when the run stops: rolled back (never committed), and waited for, whatever ended it.</summary>
    private static async Task AbandonAsync(InFlight? f)
    {
        if (f is null) return;
        f.MayCommit.TrySetResult(false);
        try { await f.Done; }
        catch (Exception) { /* leaving already: its transaction is rolled back either way */ }
    }

    /// <summary>The read-ahead is done with the reader before the reader is closed; what it read is not applied (the
    /// cursor is before it, so the next start reads it again).</summary>
    private static async Task DrainAsync(Task<ImportBatch>? readAhead)
    {
        if (readAhead is null) return;
        try { await readAhead; }
        catch (Exception) { /* leaving already: the batch being read is dropped, whatever stopped its read */ }
    }

    /// <summary>One batch in one transaction, committed when <paramref name="mayCommit"/> says so (the batch before it
    /// has committed), else rolled back: its staged rows go with it (temp table rows are transactional).</summary>
    private static async Task ApplyAsync(NpgsqlConnection connection, long runId, ImportBatch batch, long? afterLine,
        TaskCompletionSource started, Task<bool> mayCommit, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("select pg_advisory_xact_lock(ops.import_batch_key(@runId, @line))",
                new { runId, line = batch.EndLine }, tx, cancellationToken: ct));
        }
        finally
        {
            started.TrySetResult();
        }
        await ImportBatchWriter.WriteAsync(connection, batch, ct);
        await connection.ExecuteAsync(new CommandDefinition("select count(*) from ops.import_apply_batch(@runId, @cursorLine, @cursorOffset, @afterLine)",
            new { runId, cursorLine = batch.EndLine, cursorOffset = batch.EndOffset, afterLine }, tx, cancellationToken: ct));
        if (batch.DroppedFields.Count > 0)
            await connection.ExecuteAsync(new CommandDefinition("select ops.import_add_dropped_fields(@runId, @fields::jsonb)",
                new { runId, fields = JsonSerializer.Serialize(batch.DroppedFields) }, tx, cancellationToken: ct));
        if (!await mayCommit)
        {
            await tx.RollbackAsync(CancellationToken.None);
            return;
        }
        await tx.CommitAsync(ct);
        await connection.ExecuteAsync("select ops.reset_import_staging()");
    }

    private static async Task<string> HashAsync(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }

    /// <summary>A progress line at most once a second: share of the file, messages per second, time left.</summary>
    private sealed class ProgressMeter(TextWriter output, long totalBytes, long startOffset)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly long _start = startOffset;
        private TimeSpan _last = TimeSpan.Zero;
        private long _messages, _lines, _offset = startOffset;

        public ImportProgress Batch(long offset, int messages, int lines)
        {
            _offset = offset; _messages += messages; _lines += lines;
            var now = Now();
            if (_clock.Elapsed - _last < TimeSpan.FromSeconds(1)) return now;
            _last = _clock.Elapsed;
            Write(now);
            return now;
        }

        public void Done() => Write(Now());

        /// <summary>Waits until the messages so far fit the cap (an average since the start, so a slow batch is not
        /// punished twice).</summary>
        public Task PaceAsync(int messagesPerSecond, CancellationToken ct)
        {
            var due = TimeSpan.FromSeconds((double)_messages / messagesPerSecond) - _clock.Elapsed;
            return due > TimeSpan.Zero ? Task.Delay(due, ct) : Task.CompletedTask;
        }

        private ImportProgress Now()
        {
            var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
            var bytesPerSecond = (_offset - _start) / seconds;
            var left = bytesPerSecond > 0 ? TimeSpan.FromSeconds((totalBytes - _offset) / bytesPerSecond) : TimeSpan.Zero;
            return new ImportProgress(0, _offset, totalBytes, _lines, _messages, _messages / seconds, left);
        }

        private void Write(ImportProgress p) =>
            output.WriteLine($"  {p.Percent,5:F1} %  {p.Lines:N0} lines  {p.MessagesPerSecond:N0} messages/s  ETA {p.Eta:hh\\:mm\\:ss}");
    }
}
