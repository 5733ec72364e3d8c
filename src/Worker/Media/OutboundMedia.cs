using Dapper;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.Platform.Meta;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Media;

/// <summary>
/// Before an outbound media message is sent: the file the Core API stored is uploaded to Meta and the send names the
/// returned id — WhatsApp's media id (<c>POST /{version}/{phone-number-id}/media</c>), or for Messenger and Instagram
/// an attachment id (<c>POST /{version}/{account-id}/message_attachments</c>). The id is recorded on the chat.media
/// row, so a send retried after a failure does not upload the file again.
/// </summary>
public sealed class OutboundMedia(NpgsqlDataSource db, IMediaStore store, MediaGraphClient graph)
{
    private static readonly HashSet<string> Kinds = ["image", "video", "audio", "document", "sticker"];

    /// <summary>A media message whose payload names no file of its own (link or media id): ours to upload. The payload
    /// may still carry a Messenger/Instagram tag (HUMAN_AGENT, set by chat.queue_outbound), which the send keeps.</summary>
    public static bool Applies(OutboxItem item) => Kinds.Contains(item.Type) && NamesNoFile(item.Payload);

    private static bool NamesNoFile(string? payload)
    {
        if (string.IsNullOrEmpty(payload)) return true;
        var node = System.Text.Json.Nodes.JsonNode.Parse(payload) as System.Text.Json.Nodes.JsonObject;
        return node is not null && !node.ContainsKey("media_id") && !node.ContainsKey("id") && !node.ContainsKey("link")
               && !node.ContainsKey("attachment_id");
    }

    public async Task<(OutboundMessage? Message, MetaError? Error)> PrepareAsync(OutboxItem item, string accessToken, TimeSpan budget, CancellationToken ct)
    {
        var attachmentType = item.Channel == Channels.WhatsApp ? null : AttachmentType(item.Type);
        if (item.Channel != Channels.WhatsApp && attachmentType is null)
            return (null, Unsendable($"{item.Channel} has no {item.Type} attachments"));
        await using var connection = await db.OpenConnectionAsync(ct);
        var file = await connection.QuerySingleOrDefaultAsync<StoredFile>(new CommandDefinition(
            "select media_id, kind, storage_key, mime_type, file_name, size_bytes, uploaded_media_id from chat.outbound_media(@messageId)",
            new { messageId = item.MessageId }, cancellationToken: ct));
        if (file?.StorageKey is null) return (null, Unsendable($"message {item.MessageId} has no stored file"));

        var mediaId = file.UploadedMediaId;
        if (mediaId is null)
        {
            // The upload's deadline is what the lease leaves: the transport times the Graph call out at it, and the
            // linked token bounds reading the file from the store too.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(budget);
            string? uploaded;
            MetaError? error;
            try { (uploaded, error) = await UploadAsync(item, file, attachmentType, accessToken, budget, deadline.Token); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { (uploaded, error) = (null, MetaError.Timeout(budget)); }
            if (uploaded is null) return (null, error);
            mediaId = uploaded;
            await connection.ExecuteAsync(new CommandDefinition("select chat.record_media_upload(@id, @mediaId)",
                new { id = file.MediaId, mediaId }, cancellationToken: ct));
        }
        var payload = attachmentType is null
            ? new System.Text.Json.Nodes.JsonObject { ["media_id"] = mediaId }
            : new System.Text.Json.Nodes.JsonObject { ["attachment_id"] = mediaId };
        if (file.Kind == "document" && file.FileName is { Length: > 0 } name) payload["filename"] = name;
        if (!string.IsNullOrEmpty(item.Payload) && System.Text.Json.Nodes.JsonNode.Parse(item.Payload)?["tag"] is { } tag)
            payload["tag"] = tag.DeepClone();
        return (item.ToMessage() with { Payload = payload.ToJsonString() }, null);
    }

    /// <summary>Messenger/Instagram attachment type of a media kind; null: none (stickers).</summary>
    public static string? AttachmentType(string kind) => kind switch
    {
        "image" or "video" or "audio" => kind,
        "document" => "file",
        _ => null,
    };

    private async Task<(string? MediaId, MetaError? Error)> UploadAsync(OutboxItem item, StoredFile file, string? attachmentType, string accessToken,
        TimeSpan timeout, CancellationToken ct)
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
            return attachmentType is null
                ? await graph.UploadAsync(item.AccountExternalId, stored.Content, file.SizeBytes ?? stored.Length, mimeType,
                    file.FileName ?? file.Kind, accessToken, timeout, ct)
                : await graph.UploadAttachmentAsync(item.AccountExternalId, stored.Content, file.SizeBytes ?? stored.Length, mimeType,
                    file.FileName ?? file.Kind, attachmentType, accessToken, timeout, ct);
        }
    }

    private static MetaError Unsendable(string why) => new(0, null, null, "Unsupported message", why, MetaErrorSource.Unsendable);

    private sealed record StoredFile(long MediaId, string Kind, string? StorageKey, string? MimeType, string? FileName, long? SizeBytes,
        string? UploadedMediaId);
}
