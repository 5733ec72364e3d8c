using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Media;

/// <summary>What <c>GET /{version}/{media-id}</c> answers: a short-lived download URL and what the file is.</summary>
public sealed record MediaNodeInfo(string Url, string? MimeType, string? Sha256, long? FileSize);

/// <summary>
/// Meta's media calls: the media node (download URL), the download itself, and the upload of an outbound file
/// (<c>POST /{version}/{phone-number-id}/media</c>). A separate client from <see cref="GraphClient"/>: files take
/// far longer than sends, so each call gets its own deadline instead of the send timeout.
/// </summary>
public sealed class MediaGraphClient(HttpClient http, IOptions<GraphOptions> options)
{
    private readonly string _version = options.Value.ApiVersion;

    public async Task<(MediaNodeInfo? Node, MetaError? Error)> GetNodeAsync(string mediaId, string accessToken, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_version}/{Uri.EscapeDataString(mediaId)}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await CallAsync(request, ReadNode, ct);
    }

    /// <summary>Streams the file to a temporary file, hashing it on the way, and stops past <paramref name="maxBytes"/>.
    /// The token goes only where Meta's media node pointed (WhatsApp); a Messenger/Instagram attachment URL is
    /// fetched without it, so a URL taken from a webhook can never receive a token.</summary>
    public async Task<(DownloadedFile? File, MetaError? Error)> DownloadAsync(string url, string? accessToken, long maxBytes, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return (null, Refused("Invalid media URL", "not an absolute http(s) URL"));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (accessToken is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsByteArrayAsync(ct);
                return (null, GraphResponses.Parse((int)response.StatusCode, body).Error);
            }
            if (response.Content.Headers.ContentLength > maxBytes)
                return (null, TooLarge(response.Content.Headers.ContentLength.Value, maxBytes));
            var file = await DownloadedFile.WriteAsync(await response.Content.ReadAsStreamAsync(ct), maxBytes,
                response.Content.Headers.ContentType?.ToString(), ct);
            return file is null ? (null, TooLarge(null, maxBytes)) : (file, null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, MetaError.Timeout(http.Timeout));
        }
        catch (HttpRequestException ex)
        {
            return (null, MetaError.Network(ex.HttpRequestError + ": " + ex.Message));
        }
        catch (IOException ex)
        {
            return (null, MetaError.Network("download interrupted: " + ex.Message));
        }
    }

    /// <summary>Uploads an outbound file; Meta answers <c>{"id": media-id}</c>, which the send then names.</summary>
    public async Task<(string? MediaId, MetaError? Error)> UploadAsync(string phoneNumberId, Stream content, long length, string mimeType,
        string fileName, string accessToken, CancellationToken ct)
    {
        var file = new StreamContent(content);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(mimeType);
        file.Headers.ContentLength = length;
        using var form = new MultipartFormDataContent
        {
            { new StringContent("whatsapp"), "messaging_product" },
            { new StringContent(mimeType), "type" },
            { file, "file", fileName },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_version}/{Uri.EscapeDataString(phoneNumberId)}/media") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await CallAsync(request, root => root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null, ct);
    }

    /// <summary>Messenger and Instagram: uploads an outbound file with the Attachment Upload API
    /// (<c>POST /{version}/{page-or-ig-id}/message_attachments</c>); Meta answers <c>{"attachment_id": …}</c>, which the
    /// send then names. <paramref name="attachmentType"/> is image, video, audio or file.</summary>
    public async Task<(string? AttachmentId, MetaError? Error)> UploadAttachmentAsync(string accountId, Stream content, long length,
        string mimeType, string fileName, string attachmentType, string accessToken, CancellationToken ct)
    {
        var file = new StreamContent(content);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(mimeType);
        file.Headers.ContentLength = length;
        var message = new System.Text.Json.Nodes.JsonObject
        {
            ["attachment"] = new System.Text.Json.Nodes.JsonObject
            {
                ["type"] = attachmentType,
                ["payload"] = new System.Text.Json.Nodes.JsonObject { ["is_reusable"] = true },
            },
        };
        using var form = new MultipartFormDataContent
        {
            { new StringContent(message.ToJsonString()), "message" },
            { file, "filedata", fileName },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_version}/{Uri.EscapeDataString(accountId)}/message_attachments") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await CallAsync(request, root => root.TryGetProperty("attachment_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null, ct);
    }

    private async Task<(T? Value, MetaError? Error)> CallAsync<T>(HttpRequestMessage request, Func<JsonElement, T?> read, CancellationToken ct)
        where T : class
    {
        try
        {
            using var response = await http.SendAsync(request, ct);
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            if (response.IsSuccessStatusCode && TryRead(body, read) is { } value) return (value, null);
            return (null, GraphResponses.Parse((int)response.StatusCode, body).Error);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, MetaError.Timeout(http.Timeout));
        }
        catch (HttpRequestException ex)
        {
            return (null, MetaError.Network(ex.HttpRequestError + ": " + ex.Message));
        }
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

    private static MediaNodeInfo? ReadNode(JsonElement root)
    {
        if (!root.TryGetProperty("url", out var url) || url.ValueKind != JsonValueKind.String) return null;
        string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        long? size = root.TryGetProperty("file_size", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64()
            : long.TryParse(Text("file_size"), out var parsed) ? parsed : null;
        return new MediaNodeInfo(url.GetString()!, Text("mime_type"), Text("sha256"), size);
    }

    private static MetaError TooLarge(long? size, long max) =>
        Refused("Media too large", size is { } s ? $"{s} bytes; at most {max} are accepted" : $"more than {max} bytes");

    private static MetaError Refused(string title, string details) => new(0, null, null, title, details, MetaErrorSource.Unsendable);
}

/// <summary>A downloaded file in a temporary file (seekable, so any media store can take it), with its SHA-256.
/// Disposing deletes it.</summary>
public sealed class DownloadedFile : IAsyncDisposable
{
    private DownloadedFile(string path, long length, byte[] sha256, string? contentType) =>
        (Path, Length, Sha256, ContentType) = (path, length, sha256, contentType);

    public string Path { get; }
    public long Length { get; }
    public byte[] Sha256 { get; }
    public string? ContentType { get; }
    public string Sha256Hex => Convert.ToHexStringLower(Sha256);

    /// <summary>Null when the stream holds more than <paramref name="maxBytes"/>.</summary>
    public static async Task<DownloadedFile?> WriteAsync(Stream source, long maxBytes, string? contentType, CancellationToken ct)
    {
        var path = System.IO.Path.GetTempFileName();
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            var buffer = new byte[81920];
            await using (source)
            await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                int read;
                while ((read = await source.ReadAsync(buffer, ct)) > 0)
                {
                    total += read;
                    if (total > maxBytes) { File.Delete(path); return null; }
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            return new DownloadedFile(path, total, hash.GetHashAndReset(), contentType);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Meta announces the hash in hex (media node) or base64 (WhatsApp webhooks): either form matches.</summary>
    public bool Matches(string expected) =>
        string.Equals(expected, Sha256Hex, StringComparison.OrdinalIgnoreCase) || expected == Convert.ToBase64String(Sha256);

    public Stream OpenRead() => new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);

    public ValueTask DisposeAsync()
    {
        File.Delete(Path);
        return ValueTask.CompletedTask;
    }
}
