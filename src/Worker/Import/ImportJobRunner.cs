using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Import;
using MultichannelMessages.Platform.Import.Sources;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Import;

/// <summary>One queued import job (ops.import_jobs), as claimed.</summary>
public sealed record ImportJob(long Id, long ProjectId, string Source, string SourceSystem, string FileName, string StorageKey,
    long SizeBytes, string FileSha256, string Options, int Attempts);

/// <summary>
/// Runs an import queued from the console (docs/import.md "From the console"): the export is copied from the media
/// store to a work file (its SHA-256 checked against the upload's), converted when the source is not the generic format,
/// and imported by the same engine as <c>Migrator import</c>. After every batch the lease is renewed and, at most once a
/// second, the progress is pushed to the consoles; a cancel from the console stops it at the next batch. A Worker that
/// dies leaves the lease to run out: the next Worker takes the job over and the engine resumes the run at its cursor.
/// </summary>
public sealed partial class ImportJobRunner(NpgsqlDataSource db, IMediaStore store, WorkerIdentity identity,
    IOptions<ImportJobOptions> options, TimeProvider time, ILogger<ImportJobRunner> logger)
{
    private static readonly TimeSpan PushEvery = TimeSpan.FromSeconds(1);

    public async Task<int> RunOneAsync(CancellationToken ct)
    {
        var o = options.Value;
        ImportJob? job;
        await using (var connection = await db.OpenConnectionAsync(ct))
            job = await connection.QuerySingleOrDefaultAsync<ImportJob>(new CommandDefinition("""
                select id, project_id, source, source_system, file_name, storage_key, size_bytes, file_sha256, options::text as options, attempts
                from ops.import_job_claim(@owner, @lease, @max)
                """, new { owner = identity.Id, lease = o.LeaseSeconds, max = o.MaxAttempts }, cancellationToken: ct));
        if (job is null) return 0;
        LogStarted(logger, job.Id, job.FileName, job.ProjectId, job.Attempts);

        var folder = Directory.CreateDirectory(Path.Combine(o.WorkFolder is { Length: > 0 } w ? w : Path.GetTempPath(), "mm-import"));
        var export = Path.Combine(folder.FullName, $"job-{job.Id}.export");
        try
        {
            var (status, error) = await ImportAsync(job, export, Path.Combine(folder.FullName, $"job-{job.Id}.jsonl"), ct);
            if (status is "completed" or "cancelled") await DeleteUploadAsync(job);
            await FinishAsync(job, status, error);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await FinishAsync(job, "queued", "the Worker stopped");
            throw;
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or Amazon.Runtime.AmazonServiceException)
        {
            // The database or the media store went away mid-file: what committed stays, and the next pass resumes it.
            LogRetry(logger, job.Id, ex);
            await FinishAsync(job, "queued", ex.Message);
        }
        finally
        {
            File.Delete(export);
        }
        return 1;
    }

    private async Task<(string Status, string? Error)> ImportAsync(ImportJob job, string export, string converted, CancellationToken ct)
    {
        await using (var stored = await store.OpenReadAsync(job.StorageKey, ct))
        {
            if (stored is null) return ("failed", "the uploaded file is no longer in the media store; upload it again");
            await using var file = new FileStream(export, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await stored.Content.ReadAsync(buffer, ct)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }
            if (Convert.ToHexStringLower(hash.GetHashAndReset()) != job.FileSha256)
                return ("failed", "the stored file does not match the upload (SHA-256); upload it again");
        }

        var cancelled = false;
        var lastPush = DateTimeOffset.MinValue;
        var importOptions = new ImportOptions(job.ProjectId, export, job.SourceSystem, BatchSize: options.Value.BatchSize)
        {
            DisplayName = job.FileName,
            MaxMessagesPerSecond = options.Value.MaxMessagesPerSecond > 0 ? options.Value.MaxMessagesPerSecond : null,
            // One connection (ImportOptions.Connections' default): the cap paces whole batches, and two connections would
            // take both cores while each applies, slowing the inbox's reads past their target (bench/RESULTS.md).
            Connections = 1,
            OnBatch = async (progress, token) =>
            {
                var now = time.GetUtcNow();
                var push = now - lastPush >= PushEvery;
                if (push) lastPush = now;
                var keepGoing = await ProgressAsync(job, progress, push, token);
                cancelled = !keepGoing;
                return keepGoing;
            },
        };
        try
        {
            var result = ImportSources.For(job.Source, export, job.Options) is { } source
                ? await ImportEngine.ConvertAndRunAsync(db, source, importOptions with { File = converted }, TextWriter.Null, ct)
                : await ImportEngine.RunAsync(db, importOptions, TextWriter.Null, ct);
            return result.Status == "completed" ? ("completed", null)
                : cancelled ? ("cancelled", "cancelled from the console; upload the same file again to resume")
                : ("queued", "interrupted");
        }
        catch (ImportSourceException ex)
        {
            // The export cannot be read as its source's format (not a WhatsApp chat, an ambiguous date order…): trying
            // again cannot help, and the console shows the reason.
            return ("failed", ex.Message);
        }
    }

    /// <summary>The lease renewed (and the run linked) after every batch; the progress pushed at most once a second.</summary>
    private async Task<bool> ProgressAsync(ImportJob job, ImportProgress? progress, bool push, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var json = push && progress is not null
            ? JsonSerializer.Serialize(new
            {
                percent = Math.Round(progress.Percent, 1), lines = progress.Lines, messages = progress.Messages,
                messagesPerSecond = Math.Round(progress.MessagesPerSecond), etaSeconds = (long)progress.Eta.TotalSeconds,
            })
            : null;
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select ops.import_job_progress(@job, @owner, @lease, @run, @json::jsonb)",
            new { job = job.Id, owner = identity.Id, lease = options.Value.LeaseSeconds, run = progress?.RunId, json }, cancellationToken: ct));
    }

    private async Task FinishAsync(ImportJob job, string status, string? error)
    {
        try
        {
            await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
            await connection.ExecuteAsync("select ops.import_job_finish(@job, @owner, @status, @error)",
                new { job = job.Id, owner = identity.Id, status, error });
            LogFinished(logger, job.Id, status);
        }
        catch (NpgsqlException ex)
        {
            // The database is away: the lease runs out and the job is taken over then.
            LogRetry(logger, job.Id, ex);
        }
    }

    /// <summary>The upload is an export full of customers' messages: kept only while its import can still need it.</summary>
    private async Task DeleteUploadAsync(ImportJob job)
    {
        try { await store.DeleteAsync(job.StorageKey, CancellationToken.None); }
        catch (Exception ex) when (ex is IOException or Amazon.Runtime.AmazonServiceException) { LogRetry(logger, job.Id, ex); }
    }

    [LoggerMessage(1500, LogLevel.Information, "Import job {JobId}: {FileName} into project {ProjectId} (attempt {Attempt})")]
    private static partial void LogStarted(ILogger logger, long jobId, string fileName, long projectId, int attempt);

    [LoggerMessage(1501, LogLevel.Information, "Import job {JobId}: {Status}")]
    private static partial void LogFinished(ILogger logger, long jobId, string status);

    [LoggerMessage(1502, LogLevel.Warning, "Import job {JobId}: interrupted, to be resumed")]
    private static partial void LogRetry(ILogger logger, long jobId, Exception exception);
}
