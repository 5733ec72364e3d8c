using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using MultichannelMessages.Contracts.Conversations;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Collaboration;
using MultichannelMessages.CoreApi.Errors;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.Platform.Meta;
using Npgsql;

namespace MultichannelMessages.CoreApi.Media;

/// <summary>
/// Media in a conversation: an agent sends a file (stored in the media store here once the send is accepted; the
/// Worker uploads it to Meta and sends it), and a console reads a file back (inbound ones once the Worker downloaded them). Both check access
/// exactly like the text send: outside the caller's grants is 404.
/// </summary>
public static class MediaApi
{
    public static IEndpointRouteBuilder MapMediaApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/projects/{projectId:long}/conversations/{conversationId:long}/media")
            .WithTags("Media").RequirePermission(Permissions.ReadConversations);
        group.MapPost("", Send).RequirePermission(Permissions.Reply).WithMetadata(new RequestSizeLimitAttribute(MediaRules.MaxFileBytes + 1024 * 1024));
        group.MapGet("/{mediaId:long}", Read);
        return app;
    }

    /// <summary>Multipart form: <c>file</c>, optional <c>type</c> (image, video, audio, document, sticker; default
    /// from the file's MIME type), <c>caption</c> and <c>clientMessageId</c> (or the Idempotency-Key header).</summary>
    public static async Task<Results<Created<MediaSendResponse>, Ok<MediaSendResponse>, ProblemHttpResult>> Send(
        long projectId, long conversationId, ConversationScope visible, HttpContext http, IMediaStore store, NpgsqlDataSource db,
        TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!http.Request.HasFormContentType)
            return Refusals.Invalid("file", "multipart_required", "Send the file as multipart/form-data, field 'file'.");

        var form = await http.Request.ReadFormAsync(ct);
        if (form.Files.GetFile("file") is not { } file) return Refusals.Invalid("file", "empty_file", "Attach a file in the field 'file'.");
        var caption = form["caption"].FirstOrDefault() is { Length: > 0 } c ? c : null;
        var clientId = form["clientMessageId"].FirstOrDefault() ?? http.Request.Headers["Idempotency-Key"].FirstOrDefault();
        if (clientId is { Length: > 100 }) return Refusals.Invalid("clientMessageId", "invalid_client_message_id", "At most 100 characters.");
        var mimeType = MediaRules.Essence(file.ContentType);
        var kind = form["type"].FirstOrDefault() is { Length: > 0 } given ? given : MediaRules.KindOf(mimeType);

        await using var content = file.OpenReadStream();
        var head = new byte[Math.Min(4096, (int)Math.Min(file.Length, int.MaxValue))];
        await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        if (MediaRules.Check(visible.Channel, kind, mimeType, file.Length, head, caption) is { } problem)
            return Refusals.Invalid(problem.Field, problem.Code, problem.Detail);

        content.Position = 0;
        var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, ct));
        content.Position = 0;
        var key = MediaKeys.Outbound(projectId, sha256);
        var storedType = mimeType == "audio/ogg" ? "audio/ogg; codecs=opus" : mimeType;

        // Check, then store (MediaUploads): chat.send_media refuses (lock, window) before a byte is written.
        await using var transaction = await connection.BeginTransactionAsync(ct);
        long messageId, mediaId;
        bool created;
        try
        {
            (messageId, mediaId, created) = await connection.QuerySingleAsync<(long, long, bool)>(new CommandDefinition("""
                select message_id, media_id, created
                from chat.send_media(@conversationId, @userId, @clientId, @kind, @caption, @key, @storedType, @length, @sha256, @fileName, @now)
                """, new { conversationId, userId = visible.UserId, clientId, kind, caption, key, storedType, length = file.Length, sha256, now,
                           fileName = Path.GetFileName(file.FileName) }, transaction, cancellationToken: ct));
        }
        catch (PostgresException ex) when (SendLock.IsLockHeld(ex))
        {
            await transaction.RollbackAsync(ct);
            return await SendLock.RefusalAsync(connection, conversationId, ct);
        }
        catch (PostgresException ex) when (Window.WindowRule.IsWindowClosed(ex))
        {
            await transaction.RollbackAsync(ct);
            return await Window.WindowRule.RefusalAsync(connection, conversationId, now, ct);
        }
        // A retried request stores nothing: the first one stored this content-addressed key before it committed.
        if (created) await MediaUploads.StoreThenCommitAsync(transaction, store, db, loggers.CreateLogger(typeof(MediaUploads)), key, content, storedType, ct);
        else await transaction.CommitAsync(ct);
        var response = new MediaSendResponse(messageId, mediaId, created, "queued");
        return created
            ? TypedResults.Created($"/projects/{projectId}/conversations/{conversationId}/media/{mediaId}", response)
            : TypedResults.Ok(response);
    }

    /// <summary>The file's bytes once stored; 202 with its state while the Worker has not downloaded it yet; 410
    /// <c>media_unavailable</c> when the download failed for good.</summary>
    public static async Task<IResult> Read(long projectId, long conversationId, long mediaId, HttpContext http,
        IMediaStore store, NpgsqlDataSource db, CancellationToken ct)
    {
        MediaRow? row;
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            row = await connection.QuerySingleOrDefaultAsync<MediaRow>(new CommandDefinition(
                "select conversation_id, download_status, storage_key, mime_type, file_name, last_error from chat.media_item(@mediaId)",
                new { mediaId }, cancellationToken: ct));
        }
        if (row is null || row.ConversationId != conversationId) return Refusals.NotFound();
        switch (row.DownloadStatus)
        {
            case "pending":
                http.Response.Headers.RetryAfter = "2";
                return TypedResults.Accepted((string?)null, new MediaPending(mediaId, "pending"));
            case "failed":
                return Refusals.Problem(StatusCodes.Status410Gone, "media_unavailable", "This file could not be fetched from Meta: " + row.LastError);
        }
        if (row.StorageKey is null || await store.OpenReadAsync(row.StorageKey, ct) is not { } stored) return Refusals.NotFound();
        // Files come from customers: never let a browser run one from this origin.
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
        var contentType = row.MimeType ?? stored.ContentType ?? "application/octet-stream";
        var name = row.FileName ?? $"media-{mediaId}";
        return MediaRules.IsInline(contentType)
            ? TypedResults.Stream(stored.Content, contentType)
            : TypedResults.Stream(stored.Content, contentType, name);
    }

    private sealed record MediaRow(long ConversationId, string DownloadStatus, string? StorageKey, string? MimeType, string? FileName,
        string? LastError);
}
