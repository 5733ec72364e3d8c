using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MultichannelMessages.Contracts.Import;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.Platform.Import;
using MultichannelMessages.Platform.Media;
using Npgsql;

namespace MultichannelMessages.CoreApi.Import;

public sealed class ImportApiOptions
{
    public const string Section = "Import";

    /// <summary>The largest export accepted from the console (MM_Import__MaxUploadMegabytes); larger ones go through
    /// <c>Migrator import</c> on the server.</summary>
    public int MaxUploadMegabytes { get; set; } = 1024;
}

/// <summary>
/// Imports from the console (docs/import.md "From the console"; routes in Contracts/Import.cs). The upload is
/// checked (source, its settings, the first line), streamed to a temporary file while hashed, kept in the media store
/// under a content-addressed key, and queued for a Worker (ops.import_job_create, in the command log); the Worker
/// imports it with the same engine as <c>Migrator import</c> and pushes its progress. The reports read the runs' own
/// reconciliation (ops.import_report).
/// </summary>
public static partial class ImportApi
{
    private static readonly string[] Sources = ["generic", "whatsapp_export"];

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,99}$")] private static partial Regex SystemPattern();
    [GeneratedRegex(@"^\+?[1-9][0-9]{6,14}$")] private static partial Regex PhonePattern();

    public static IEndpointRouteBuilder MapImportApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/projects/{projectId:long}/imports").WithTags("Import").RequirePermission(Permissions.ConfigureProject);
        group.MapPost("", UploadAsync).WithDescription("Body: the export's bytes. Queues an import a Worker runs.");
        group.MapGet("", ListAsync);
        group.MapPost("/{importJobId:long}/cancel", CancelAsync);
        group.MapGet("/runs/{importRunId:long}", ReportAsync);
        group.MapGet("/runs/{importRunId:long}/rejects.csv", RejectsCsvAsync);
        return app;
    }

    public static async Task<Results<Accepted<ImportJobItem>, ProblemHttpResult>> UploadAsync(long projectId, string? source, string? system,
        string? fileName, long? accountId, string? customerPhone, string? businessNames, string? timeZone, string? dateOrder,
        ProjectScope scope, HttpContext http, IMediaStore store, NpgsqlDataSource db, IOptions<ImportApiOptions> options, CancellationToken ct)
    {
        var maxBytes = options.Value.MaxUploadMegabytes * 1024L * 1024L;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = maxBytes;
        if (source is null || !Sources.Contains(source))
            return Refusals.Invalid("source", ImportErrors.UnknownSource, "The source is generic (the JSON Lines format) or whatsapp_export.");
        var name = fileName?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 255 || name.IndexOfAny(['/', '\\', '\0']) >= 0)
            return Refusals.Invalid("fileName", ImportErrors.InvalidFileName, "The file name has 1 to 255 characters and no path.");
        var sourceSystem = string.IsNullOrWhiteSpace(system) ? source : system.Trim().ToLowerInvariant();
        if (!SystemPattern().IsMatch(sourceSystem))
            return Refusals.Invalid("system", ImportErrors.InvalidSystem,
                "The source system is 1 to 100 lower-case letters, digits, '.', '_' or '-' (the same name on every import of that system).");
        if (http.Request.ContentLength is { } length && length > maxBytes) return TooLarge(options.Value);

        await using var connection = await db.OpenConnectionAsync(ct);
        string optionsJson = "{}";
        if (source == "whatsapp_export")
        {
            var checkedOptions = await WhatsAppOptionsAsync(connection, projectId, accountId, customerPhone, businessNames, timeZone, dateOrder, ct);
            if (checkedOptions.Refusal is { } refusal) return refusal;
            optionsJson = checkedOptions.Json!;
        }

        var temp = Path.Combine(Path.GetTempPath(), $"mm-upload-{Guid.NewGuid():N}");
        try
        {
            var (size, sha256, firstByte) = await ReceiveAsync(http.Request.Body, temp, maxBytes, ct);
            if (size < 0) return TooLarge(options.Value);
            if (size == 0) return Refusals.Invalid("body", ImportErrors.EmptyFile, "The file is empty.");
            if (source == "generic" && firstByte != '{')
                return Refusals.Invalid("body", ImportErrors.NotJsonLines,
                    "A generic import is JSON Lines: one JSON object per line, the first line starting with '{' (docs/import.md).");
            var key = MediaKeys.Import(projectId, sha256);
            await using (var file = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
                await store.PutAsync(key, file, "application/octet-stream", ct);

            await using var transaction = await connection.BeginCommandAsync(http, ct);
            var jobId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "select ops.import_job_create(@projectId, @userId, @source, @sourceSystem, @name, @key, @size, @sha256, @optionsJson::jsonb)",
                new { projectId, userId = scope.UserId, source, sourceSystem, name, key, size, sha256, optionsJson }, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
            var job = (await JobsAsync(connection, projectId, 50, ct)).First(j => j.Id == jobId);
            return TypedResults.Accepted($"/projects/{projectId}/imports", job);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The body to a file while hashed, with the size limit applied as it is read. Size −1: over the limit.</summary>
    private static async Task<(long Size, string Sha256, int FirstByte)> ReceiveAsync(Stream body, string path, long maxBytes, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long size = 0;
        var first = -1;
        int read;
        while ((read = await body.ReadAsync(buffer, ct)) > 0)
        {
            size += read;
            if (size > maxBytes) return (-1, "", -1);
            if (first < 0)
                foreach (var b in buffer.AsSpan(0, read))
                    // the first byte that is not a BOM or blank
                    if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF)) { first = b; break; }
            hash.AppendData(buffer, 0, read);
            await file.WriteAsync(buffer.AsMemory(0, read), ct);
        }
        return (size, Convert.ToHexStringLower(hash.GetHashAndReset()), first);
    }

    /// <summary>A WhatsApp chat export has no zone, no phone number of the customer and no id of the business's
    /// number: the person importing names them, and each is checked here, before the upload.</summary>
    private static async Task<(ProblemHttpResult? Refusal, string? Json)> WhatsAppOptionsAsync(NpgsqlConnection connection, long projectId,
        long? accountId, string? customerPhone, string? businessNames, string? timeZone, string? dateOrder, CancellationToken ct)
    {
        var account = accountId is null ? null : await connection.QuerySingleOrDefaultAsync<(string ExternalId, string? WabaId)?>(new CommandDefinition(
            "select external_id, waba_id from meta.accounts where id = @accountId and project_id = @projectId and channel = 'whatsapp'",
            new { accountId, projectId }, cancellationToken: ct));
        if (account is null)
            return (Refusals.Invalid("accountId", ImportErrors.AccountNotWhatsApp, "Choose the project's WhatsApp number this chat was held on."), null);
        var phone = customerPhone?.Replace(" ", "").Replace("-", "").Replace("(", "").Replace(")", "");
        if (phone is null || !PhonePattern().IsMatch(phone))
            return (Refusals.Invalid("customerPhone", ImportErrors.InvalidPhone, "The customer's phone number in international format (+34 600 111 222)."), null);
        var names = (businessNames ?? "").Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0)
            return (Refusals.Invalid("businessNames", ImportErrors.BusinessNamesRequired,
                "Name the business's side as the export shows it (the phone's owner name, or \"You\"/\"Tú\"): those lines are outbound."), null);
        if (string.IsNullOrWhiteSpace(timeZone) || !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone.Trim(), out _))
            return (Refusals.Invalid("timeZone", ImportErrors.InvalidTimeZone, "The phone's time zone (IANA, e.g. Europe/Madrid): export times have no zone."), null);
        var order = string.IsNullOrWhiteSpace(dateOrder) ? null : dateOrder.Trim().ToUpperInvariant();
        if (order is not (null or "DMY" or "MDY"))
            return (Refusals.Invalid("dateOrder", ImportErrors.InvalidDateOrder, "The date order is DMY or MDY (or empty to detect it)."), null);
        return (null, JsonSerializer.Serialize(new
        {
            phoneNumberId = account.Value.ExternalId, wabaId = account.Value.WabaId, customerPhone = "+" + phone.TrimStart('+'),
            businessNames = names, timeZone = timeZone.Trim(), dateOrder = order,
        }));
    }

    private static ProblemHttpResult TooLarge(ImportApiOptions options) =>
        Refusals.Problem(StatusCodes.Status413PayloadTooLarge, ImportErrors.TooLarge,
            $"The console takes exports up to {options.MaxUploadMegabytes:N0} MB; import a larger one with `Migrator import` on the server.", "body");

    public static async Task<Ok<ImportsView>> ListAsync(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var jobs = await JobsAsync(connection, projectId, 50, ct);
        var runs = (await connection.QueryAsync<RunRow>(new CommandDefinition(
            "select * from ops.import_runs_list(@projectId, 50)", new { projectId }, cancellationToken: ct))).Select(Run).ToArray();
        return TypedResults.Ok(new ImportsView(jobs, runs));
    }

    public static async Task<Results<Ok<ImportJobItem>, ProblemHttpResult>> CancelAsync(long projectId, long importJobId, ProjectScope scope,
        HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var jobId = importJobId;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginCommandAsync(http, ct);
        var status = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "select ops.import_job_cancel(@projectId, @userId, @jobId)", new { projectId, userId = scope.UserId, jobId }, transaction, cancellationToken: ct));
        if (status is null)
        {
            var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "select exists (select 1 from ops.import_jobs where id = @jobId and project_id = @projectId)", new { jobId, projectId }, transaction, cancellationToken: ct));
            return exists
                ? Refusals.Problem(StatusCodes.Status409Conflict, ImportErrors.NotCancellable, "The import has already ended.")
                : Refusals.NotFound();
        }
        await transaction.CommitAsync(ct);
        return TypedResults.Ok((await JobsAsync(connection, projectId, 50, ct)).First(j => j.Id == jobId));
    }

    public static async Task<Results<Ok<ImportReportView>, ProblemHttpResult>> ReportAsync(long projectId, long importRunId, NpgsqlDataSource db, CancellationToken ct)
    {
        var runId = importRunId;
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await RunOfAsync(connection, projectId, runId, ct) is not { } run) return Refusals.NotFound();
        var counts = (await ImportReport.ReadAsync(connection, runId))
            .Select(r => new ImportCountRow(r.Entity, r.Source, r.New, r.Matched, r.Present, r.Rejected, r.Unexplained, r.Reasons)).ToArray();
        var fields = await ImportReport.ReadFieldsAsync(connection, runId);
        var rejects = (await connection.QueryAsync<ImportRejectRow>(new CommandDefinition(
            "select line, entity, source_id, reason, detail from ops.import_run_rejects(@runId, 200)", new { runId }, cancellationToken: ct))).ToArray();
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "select count(*) from ops.import_run_rejects(@runId, null)", new { runId }, cancellationToken: ct));
        return TypedResults.Ok(new ImportReportView(run, counts, counts.All(c => c.Unexplained == 0),
            fields.Decisions.Select(d => new ImportFieldDecision(d.Entity, d.SourceField, d.Decision)).ToArray(), fields.Dropped, rejects, total));
    }

    /// <summary>Every row the run did not import, with its line and reason. Cells a spreadsheet would run as a formula are escaped.</summary>
    public static async Task RejectsCsvAsync(long projectId, long importRunId, HttpContext http, ReadReplica replica, CancellationToken ct)
    {
        var runId = importRunId;
        // A finished run's rejects never change: the replica serves them when there is one.
        await replica.StreamAsync(async connection =>
        {
            if (await RunOfAsync(connection, projectId, runId, ct) is null)
            {
                await Refusals.WriteAsync(http, StatusCodes.Status404NotFound, "not_found", "Not found.", ct);
                return;
            }
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"import-{runId}-rejects.csv\"";
            await using var csv = CsvHelper.CsvWriter.Create(http.Response.Body, new CsvHelper.CsvWriterOptions { Injection = CsvHelper.CsvInjection.Escape }, true);
            csv.WriteHeader(["line", "entity", "source_id", "reason", "detail"]);
            var rows = connection.QueryUnbufferedAsync<ImportRejectRow>(
                "select line, entity, source_id, reason, detail from ops.import_run_rejects(@runId, null)", new { runId }).WithCancellation(ct);
            var n = 0;
            await foreach (var r in rows)
            {
                csv.WriteRecord([r.Line.ToString(CultureInfo.InvariantCulture), r.Entity, r.SourceId ?? "", r.Reason, r.Detail ?? ""]);
                if (++n % 2000 == 0) await csv.FlushAsync(ct);
            }
            await csv.FlushAsync(ct);
        }, ct);
    }

    private static async Task<ImportRunItem?> RunOfAsync(NpgsqlConnection connection, long projectId, long runId, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<RunRow>(new CommandDefinition(
            "select * from ops.import_runs_list(@projectId, null) where id = @runId", new { projectId, runId }, cancellationToken: ct));
        return row is null ? null : Run(row);
    }

    private sealed record RunRow(long Id, string Source, string SourceSystem, string FileName, string Status, long FileBytes, long CursorOffset,
        long CursorLine, int Batches, DateTime StartedAt, DateTime? FinishedAt, string? LastError);

    private static ImportRunItem Run(RunRow r) => new(r.Id, r.Source, r.SourceSystem, r.FileName, r.Status,
        r.FileBytes == 0 ? 100 : Math.Round(100.0 * r.CursorOffset / r.FileBytes, 1), r.CursorLine, r.Batches, Utc(r.StartedAt),
        r.FinishedAt is { } f ? Utc(f) : null, r.LastError);

    private sealed record JobRow(long Id, string Source, string SourceSystem, string FileName, long SizeBytes, string Status, bool CancelRequested,
        long? RunId, string? RequestedBy, DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt, int Attempts, string? LastError,
        string? RunStatus, long? RunBytes, long? CursorOffset, long? CursorLine, long? MessagesNew, long? Rejected);

    private static async Task<ImportJobItem[]> JobsAsync(NpgsqlConnection connection, long projectId, int limit, CancellationToken ct) =>
        (await connection.QueryAsync<JobRow>(new CommandDefinition(
            "select * from ops.import_jobs_list(@projectId, @limit)", new { projectId, limit }, cancellationToken: ct)))
        .Select(j => new ImportJobItem(j.Id, j.Source, j.SourceSystem, j.FileName, j.SizeBytes, j.Status, j.CancelRequested, j.RunId, j.RequestedBy,
            Utc(j.CreatedAt), j.StartedAt is { } s ? Utc(s) : null, j.FinishedAt is { } f ? Utc(f) : null, j.Attempts, j.LastError,
            j.RunBytes is > 0 && j.CursorOffset is { } o ? Math.Round(100.0 * o / j.RunBytes.Value, 1) : j.Status == "completed" ? 100 : null,
            j.CursorLine, j.MessagesNew, j.Rejected)).ToArray();

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));
}
