using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Media;

/// <summary>What <c>GET /{version}/{media-id}</c> answers: a short-lived download URL and what the file is.</summary>
public sealed record MediaNodeInfo(string Url, string? MimeType, string? Sha256, long? FileSize);

/// <summary>
/// Meta's media calls, through the one <see cref="GraphTransport"/>: the media node (where to download a WhatsApp
/// file) and the upload of an outbound file. The download itself is not a Graph call: its URL came from a payload or
/// a media node, so it goes through the SSRF-safe fetcher (see <see cref="MediaDownloader"/>). Uploads take longer
/// than sends, so each names its own deadline.
/// </summary>
public sealed class MediaGraphClient(GraphTransport transport)
{
    private readonly string _version = transport.ApiVersion;

    public async Task<(MediaNodeInfo? Node, MetaError? Error)> GetNodeAsync(string mediaId, string accessToken, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_version}/{Uri.EscapeDataString(mediaId)}");
        return await CallAsync(request, accessToken, ReadNode, null, ct);
    }

    /// <summary>Uploads an outbound file (WhatsApp, <c>POST /{version}/{phone-number-id}/media</c>); Meta answers
    /// <c>{"id": media-id}</c>, which the send then names.</summary>
    public async Task<(string? MediaId, MetaError? Error)> UploadAsync(string phoneNumberId, Stream content, long length, string mimeType,
        string fileName, string accessToken, TimeSpan timeout, CancellationToken ct)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("whatsapp"), "messaging_product" },
            { new StringContent(mimeType), "type" },
            { File(content, length, mimeType), "file", fileName },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_version}/{Uri.EscapeDataString(phoneNumberId)}/media") { Content = form };
        return await CallAsync(request, accessToken, root => Text(root, "id"), timeout, ct);
    }

    /// <summary>Messenger and Instagram: uploads an outbound file with the Attachment Upload API
    /// (<c>POST /{version}/{page-or-ig-id}/message_attachments</c>); Meta answers <c>{"attachment_id": …}</c>, which the
    /// send then names. <paramref name="attachmentType"/> is image, video, audio or file.</summary>
    public async Task<(string? AttachmentId, MetaError? Error)> UploadAttachmentAsync(string accountId, Stream content, long length,
        string mimeType, string fileName, string attachmentType, string accessToken, TimeSpan timeout, CancellationToken ct)
    {
        var message = new JsonObject
        {
            ["attachment"] = new JsonObject { ["type"] = attachmentType, ["payload"] = new JsonObject { ["is_reusable"] = true } },
        };
        using var form = new MultipartFormDataContent
        {
            { new StringContent(message.ToJsonString()), "message" },
            { File(content, length, mimeType), "filedata", fileName },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_version}/{Uri.EscapeDataString(accountId)}/message_attachments") { Content = form };
        return await CallAsync(request, accessToken, root => Text(root, "attachment_id"), timeout, ct);
    }

    private static StreamContent File(Stream content, long length, string mimeType)
    {
        var file = new StreamContent(content);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(mimeType);
        file.Headers.ContentLength = length;
        return file;
    }

    private async Task<(T? Value, MetaError? Error)> CallAsync<T>(HttpRequestMessage request, string accessToken, Func<JsonElement, T?> read,
        TimeSpan? timeout, CancellationToken ct) where T : class
    {
        var answer = await transport.SendAsync(request, accessToken, ct, timeout);
        if (answer.IsSuccess && TryRead(answer.Body, read) is { } value) return (value, null);
        return (null, answer.Error);
    }

    private static T? TryRead<T>(byte[] body, Func<JsonElement, T?> read) where T : class
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? read(document.RootElement) : null;
        }
        catch (JsonException) { return null; }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static MediaNodeInfo? ReadNode(JsonElement root)
    {
        if (Text(root, "url") is not { } url) return null;
        long? size = root.TryGetProperty("file_size", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64()
            : long.TryParse(Text(root, "file_size"), out var parsed) ? parsed : null;
        return new MediaNodeInfo(url, Text(root, "mime_type"), Text(root, "sha256"), size);
    }
}
