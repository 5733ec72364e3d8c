using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using MultichannelMessages.Contracts.Calls;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using MultichannelMessages.Platform.Media;
using Npgsql;

namespace MultichannelMessages.CoreApi.Calls;

/// <summary>
/// A call's recording (docs/calls.md "Recordings"). The browser of the person on the call records the audio (with a
/// notice on screen) and sends it here when the call ends; the bytes go to the media store (S3 or folder) under a
/// content-addressed key, check then store: calls.add_recording refuses (not yours, recording off, never connected,
/// already recorded) before a byte is written, and the transaction commits only once the file is in place.
/// </summary>
public static partial class CallRecordingApi
{
    /// <summary>An hour of Opus at the 32 kbit/s MediaRecorder picks for speech is ~15 MB; twice that, and the limit
    /// applies while reading, so a client cannot make the service hold more.</summary>
    public const long MaxBytes = 32 * 1024 * 1024;

    private static readonly string[] Types = ["audio/webm", "audio/ogg"];

    public static IEndpointRouteBuilder MapCallRecordingApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/projects/{projectId:long}/calls/{callId:long}/recording").WithTags("Calls");
        group.MapPost("", Upload).RequirePermission(Permissions.TakeCalls, Permissions.MakeCalls)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBytes + 1));
        // Who took or placed the call hears it; anyone else needs calls.recordings (the handler decides: the route lets
        // every reader of conversations get that far).
        group.MapGet("", Download).RequirePermission(Permissions.ReadConversations);
        return app;
    }

    public static async Task<Results<Created<RecordingInfo>, ProblemHttpResult>> Upload(long projectId, long callId, int? durationMs,
        ProjectScope scope, HttpContext http, IMediaStore store, NpgsqlDataSource db, ILoggerFactory loggers, CancellationToken ct)
    {
        var mimeType = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mimeType is null || !Types.Contains(mimeType))
            return Refusals.Invalid("Content-Type", CallErrors.RecordingUnsupported, "Send the recording as audio/webm or audio/ogg (Opus).");
        if (durationMs is < 0) return Refusals.Invalid("durationMs", "invalid_duration", "durationMs must not be negative.");
        if (http.Request.ContentLength is > MaxBytes) return TooLarge();

        await using var content = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await http.Request.Body.ReadAsync(buffer, ct)) > 0)
        {
            if (content.Length + read > MaxBytes) return TooLarge();
            content.Write(buffer, 0, read);
        }
        if (content.Length == 0) return Refusals.Invalid("body", CallErrors.RecordingEmpty, "The recording is empty.");
        content.Position = 0;
        var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, ct));
        content.Position = 0;
        var key = MediaKeys.Recording(projectId, sha256);

        await using var connection = await db.OpenConnectionAsync(ct);
        // The call must be one the person sees (the queues' rule) before its state says anything.
        if (!await VisibleAsync(connection, scope, callId, ct)) return CallsApi.Refusal(CallErrors.NotFound);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var outcome = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
            "select calls.add_recording(@projectId, @callId, @userId, @mimeType, @size, @sha256, @durationMs, @key)",
            new { projectId, callId, userId = scope.UserId, mimeType, size = content.Length, sha256, durationMs, key }, transaction, cancellationToken: ct));
        if (!long.TryParse(outcome, out var id))
        {
            await transaction.RollbackAsync(ct);
            return Refusal(outcome!);
        }
        try
        {
            await store.PutAsync(key, content, mimeType, ct);
            await transaction.CommitAsync(ct);
        }
        catch (Exception failure)
        {
            try { await transaction.RollbackAsync(CancellationToken.None); }
            catch (Exception) { /* the connection broke: the server rolled back itself */ }
            await ForgetAsync(store, db, loggers.CreateLogger(typeof(CallRecordingApi)), key, failure);
            throw;
        }
        var row = await connection.QuerySingleAsync<(DateTime CreatedAt, DateTime ExpiresAt)>(new CommandDefinition(
            "select created_at, expires_at from calls.recordings where id = @id", new { id }, cancellationToken: ct));
        return TypedResults.Created($"/projects/{projectId}/calls/{callId}/recording",
            new RecordingInfo(id, mimeType, content.Length, durationMs, Utc(row.CreatedAt), Utc(row.ExpiresAt)));
    }

    public static async Task<IResult> Download(long projectId, long callId, ProjectScope scope, HttpContext http, IMediaStore store,
        NpgsqlDataSource db, CancellationToken ct)
    {
        RecordingRow? row;
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            if (!await VisibleAsync(connection, scope, callId, ct)) return CallsApi.Refusal(CallErrors.NotFound);
            row = await connection.QuerySingleOrDefaultAsync<RecordingRow>(new CommandDefinition(
                "select id, mime_type, size_bytes, storage_key, accepted_by, started_by from calls.recording_of(@projectId, @callId)",
                new { projectId, callId }, cancellationToken: ct));
        }
        if (row is null) return Refusals.Problem(StatusCodes.Status404NotFound, "recording_not_found", "This call has no recording.");
        if (!scope.Can(Permissions.CallRecordings) && row.AcceptedBy != scope.UserId && row.StartedBy != scope.UserId)
            return CallsApi.Refusal(CallErrors.NotYours);
        if (await store.OpenReadAsync(row.StorageKey, ct) is not { } stored)
            return Refusals.Problem(StatusCodes.Status410Gone, CallErrors.RecordingUnavailable, "The recording's file is no longer in the media store.");
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.Stream(stored.Content, row.MimeType, enableRangeProcessing: true);
    }

    private sealed record RecordingRow(long Id, string MimeType, long SizeBytes, string StorageKey, long? AcceptedBy, long? StartedBy);

    private static async Task<bool> VisibleAsync(NpgsqlConnection connection, ProjectScope scope, long callId, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(long? QueueId, long? AssignedUserId)?>(new CommandDefinition("""
            select v.queue_id, v.assigned_user_id from calls.calls c join chat.conversations v on v.id = c.conversation_id
            where c.id = @callId and c.project_id = @projectId
            """, new { callId, projectId = scope.ProjectId }, cancellationToken: ct));
        return row is { } r && scope.Project.CanSee(r.QueueId, r.AssignedUserId, scope.UserId);
    }

    private static ProblemHttpResult TooLarge() => Refusals.Problem(StatusCodes.Status413PayloadTooLarge, CallErrors.RecordingTooLarge,
        $"A recording may be at most {MaxBytes / (1024 * 1024)} MB.");

    private static ProblemHttpResult Refusal(string code) => code switch
    {
        CallErrors.RecordingDisabled => Refusals.Problem(StatusCodes.Status409Conflict, code, "This number does not record calls."),
        CallErrors.RecordingExists => Refusals.Problem(StatusCodes.Status409Conflict, code, "This call already has its recording."),
        CallErrors.NotConnected => Refusals.Problem(StatusCodes.Status409Conflict, code, "The call never connected: there is nothing to record."),
        _ => CallsApi.Refusal(code),
    };

    private static async Task ForgetAsync(IMediaStore store, NpgsqlDataSource db, ILogger logger, string key, Exception failure)
    {
        try
        {
            await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
            if (!await connection.ExecuteScalarAsync<bool>("select calls.recording_key_in_use(@key)", new { key }))
                await store.DeleteAsync(key, CancellationToken.None);
            LogForgotten(logger, key, failure.GetType().Name);
        }
        catch (Exception cleanup)
        {
            LogForgetFailed(logger, cleanup, key);
        }
    }

    private static DateTimeOffset Utc(DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));

    [LoggerMessage(340, LogLevel.Information, "A recording upload failed after its file {StorageKey} was stored ({Failure}); the file was taken back unless another recording uses it")]
    private static partial void LogForgotten(ILogger logger, string storageKey, string failure);

    [LoggerMessage(341, LogLevel.Warning, "Taking back the file {StorageKey} of a failed recording upload failed; it stays in the store unreferenced")]
    private static partial void LogForgetFailed(ILogger logger, Exception exception, string storageKey);
}
