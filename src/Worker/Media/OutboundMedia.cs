using Dapper;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.Platform.Meta;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Media;

/// <summary>
/// Before an outbound media message is sent: the file the Core API stored is uploaded to Meta
/// (<c>POST /{version}/{phone-number-id}/media</c>) and the send names the returned media id. The id is recorded on
/// the chat.media row, so a send retried after a failure does not upload the file again.
/// Messenger and Instagram media sends are refused (the Core API already refuses them): their attachment upload
/// API is not emulated by the sandbox, so it could not be tested.
/// </summary>
public sealed class OutboundMedia(NpgsqlDataSource db, IMediaStore store, MediaGraphClient graph)
{
    private static readonly HashSet<string> Kinds = ["image", "video", "audio", "document", "sticker"];

    /// <summary>A media message whose payload names no file of its own (link or media id): ours to upload.</summary>
    public static bool Applies(OutboxItem item) => Kinds.Contains(item.Type) && string.IsNullOrEmpty(item.Payload);

    public async Task<(OutboundMessage? Message, MetaError? Error)> PrepareAsync(OutboxItem item, string accessToken, TimeSpan budget, CancellationToken ct)
    {
        if (item.Channel != Channels.WhatsApp)
            return (null, Unsendable($"media sends on {item.Channel} are not supported (only WhatsApp)"));
        await using var connection = await db.OpenConnectionAsync(ct);
        var file = await connection.QuerySingleOrDefaultAsync<StoredFile>(new CommandDefinition(
            "select media_id, kind, storage_key, mime_type, file_name, size_bytes, uploaded_media_id from chat.outbound_media(@messageId)",
            new { messageId = item.MessageId }, cancellationToken: ct));
        if (file?.StorageKey is null) return (null, Unsendable($"message {item.MessageId} has no stored file"));

        var mediaId = file.UploadedMediaId;
        if (mediaId is null)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(budget);
            MetaError? error;
            try { (mediaId, error) = await UploadAsync(item, file, accessToken, deadline.Token); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { error = MetaError.Timeout(budget); }
            if (mediaId is null) return (null, error);
            await connection.ExecuteAsync(new CommandDefinition("select chat.record_media_upload(@id, @mediaId)",
                new { id = file.MediaId, mediaId }, cancellationToken: ct));
        }
        var payload = new System.Text.Json.Nodes.JsonObject { ["media_id"] = mediaId };
        if (file.Kind == "document" && file.FileName is { Length: > 0 } name) payload["filename"] = name;
        return (item.ToMessage() with { Payload = payload.ToJsonString() }, null);
    }

    private async Task<(string? MediaId, MetaError? Error)> UploadAsync(OutboxItem item, StoredFile file, string accessToken, CancellationToken ct)
    {
        StoredMedia? stored;
        try { stored = await store.OpenReadAsync(file.StorageKey!, ct); }
        catch (Exception ex) when (ex is IOException or Amazon.Runtime.AmazonServiceException or HttpRequestException)
        {
            return (null, MetaError.Network("media store: " + ex.Message));
        }
        if (stored is null) return (null, Unsendable($"the file of message {item.MessageId} is missing from the media store"));
        await using (stored)
        {
            var mimeType = file.MimeType ?? stored.ContentType ?? "application/octet-stream";
            return await graph.UploadAsync(item.AccountExternalId, stored.Content, file.SizeBytes ?? stored.Length, mimeType,
                file.FileName ?? file.Kind, accessToken, ct);
        }
    }

    private static MetaError Unsendable(string why) => new(0, null, null, "Unsupported message", why, MetaErrorSource.Unsendable);

    private sealed record StoredFile(long MediaId, string Kind, string? StorageKey, string? MimeType, string? FileName, long? SizeBytes,
        string? UploadedMediaId);
}
