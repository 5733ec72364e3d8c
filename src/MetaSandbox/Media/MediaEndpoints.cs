using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Faults;
using MultichannelMessages.MetaSandbox.Graph;
using MultichannelMessages.MetaSandbox.Messages;

namespace MultichannelMessages.MetaSandbox.Media;

public sealed record MediaUploaded(string Id);
public sealed record AttachmentUploaded(string AttachmentId);
public sealed record MediaNode(string Url, string MimeType, string Sha256, long FileSize, string Id, string MessagingProduct);

/// <summary>Upload (<c>POST /{version}/{phone-number-id}/media</c>), the media node (<c>GET /{version}/{media-id}</c>,
/// through <see cref="GraphNodes"/>), delete, and the download URL the node points at.</summary>
public static class MediaEndpoints
{
    public static async Task<IResult> UploadAsync(string id, HttpContext http, MediaServices s)
    {
        var caller = GraphAuth.Authorize(http.Request, s.Accounts, id, "post");
        if (caller.Error is { } denied)
            return denied.ToResult(http.Response);
        var fault = await s.Faults.ApplyAsync("media", caller.Account!, http);
        if (fault.Answer is not null)
            return fault.Answer;
        if (!http.Request.HasFormContentType)
            return GraphErrors.InvalidParameter("The parameter file is required.").ToResult();

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (form["messaging_product"].ToString() != "whatsapp")
            return GraphErrors.InvalidParameter("The parameter messaging_product is required.").ToResult();
        if (form.Files.GetFile("file") is not { } file)
            return GraphErrors.InvalidParameter("The parameter file is required.").ToResult();
        if (file.Length > s.Options.MaxBytes)
            return GraphErrors.MediaUpload($"File is {file.Length} bytes; the largest upload is {s.Options.MaxBytes}.").ToResult();

        var mimeType = form["type"].ToString() is { Length: > 0 } type ? type : file.ContentType ?? "application/octet-stream";
        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, http.RequestAborted);
        var item = s.Media.Add(caller.Account!.Id, mimeType, buffer.ToArray(), file.FileName);
        return item is null
            ? GraphErrors.MediaUpload("The sandbox media store is full (Sandbox:Media:MaxTotalBytes).").ToResult()
            : TypedResults.Json(new MediaUploaded(item.Id));
    }

    /// <summary>Messenger/Instagram Attachment Upload API (<c>POST /{version}/{page-or-ig-id}/message_attachments</c>):
    /// a multipart <c>message</c> (<c>{"attachment":{"type","payload":{"is_reusable":true}}}</c>) and <c>filedata</c>;
    /// answers <c>{"attachment_id"}</c>, which a send names in <c>attachment.payload.attachment_id</c>.</summary>
    public static async Task<IResult> UploadAttachmentAsync(string id, HttpContext http, MediaServices s)
    {
        var caller = GraphAuth.Authorize(http.Request, s.Accounts, id, "post");
        if (caller.Error is { } denied)
            return denied.ToResult(http.Response);
        var fault = await s.Faults.ApplyAsync("media", caller.Account!, http);
        if (fault.Answer is not null)
            return fault.Answer;
        if (!http.Request.HasFormContentType)
            return GraphErrors.InvalidParameter("The parameter filedata is required.", whatsApp: false).ToResult();
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        string? type = null;
        try
        {
            using var message = System.Text.Json.JsonDocument.Parse(form["message"].ToString() is { Length: > 0 } m ? m : "{}");
            if (message.RootElement.TryGetProperty("attachment", out var attachment) && attachment.TryGetProperty("type", out var t))
                type = t.GetString();
        }
        catch (System.Text.Json.JsonException) { }
        if (type is not ("image" or "video" or "audio" or "file"))
            return GraphErrors.InvalidParameter("message.attachment.type must be image, video, audio or file.", whatsApp: false).ToResult();
        if (form.Files.GetFile("filedata") is not { } file || file.Length == 0)
            return GraphErrors.InvalidParameter("The parameter filedata is required.", whatsApp: false).ToResult();
        if (file.Length > s.Options.MaxBytes)
            return GraphErrors.InvalidParameter($"File is {file.Length} bytes; the largest upload is {s.Options.MaxBytes}.", whatsApp: false).ToResult();

        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, http.RequestAborted);
        var item = s.Media.Add(caller.Account!.Id, file.ContentType ?? "application/octet-stream", buffer.ToArray(), file.FileName);
        return item is null
            ? GraphErrors.InvalidParameter("The sandbox media store is full (Sandbox:Media:MaxTotalBytes).", whatsApp: false).ToResult()
            : TypedResults.Json(new AttachmentUploaded(item.Id));
    }

    public static IResult Node(MediaItem item, HttpRequest request, string? publicUrl)
    {
        var root = string.IsNullOrEmpty(publicUrl) ? $"{request.Scheme}://{request.Host}" : publicUrl.TrimEnd('/');
        return TypedResults.Json(new MediaNode($"{root}/media/{item.Id}/download", item.MimeType, item.Sha256Hex,
            item.Bytes.LongLength, item.Id, "whatsapp"));
    }

    /// <summary>Like Meta's lookaside URL, the download needs the owner's token.</summary>
    public static IResult Download(string mediaId, HttpContext http, MediaServices s)
    {
        var item = s.Media.Find(mediaId);
        IEnumerable<SandboxAccount> owners = item is null ? [] : s.Accounts.All.Where(a => a.Id == item.AccountId);
        if (GraphAuth.AuthorizeOwner(http.Request, s.Accounts, mediaId, owners, "get") is { } denied)
            return denied.HttpStatus == StatusCodes.Status401Unauthorized ? denied.ToResult(http.Response) : TypedResults.NotFound();
        return TypedResults.Bytes(item!.Bytes, item.MimeType, item.FileName);
    }

    public static IResult Delete(string id, HttpContext http, MediaServices s)
    {
        var item = s.Media.Find(id);
        IEnumerable<SandboxAccount> owners = item is null ? [] : s.Accounts.All.Where(a => a.Id == item.AccountId);
        if (GraphAuth.AuthorizeOwner(http.Request, s.Accounts, id, owners, "delete") is { } denied)
            return denied.ToResult(http.Response);
        s.Media.Remove(id);
        return TypedResults.Json(new SuccessResponse(true));
    }
}

public sealed class MediaServices(AccountRegistry accounts, MediaStore media, FaultEffects faults, IOptions<MediaOptions> options)
{
    public AccountRegistry Accounts { get; } = accounts;
    public MediaStore Media { get; } = media;
    public FaultEffects Faults { get; } = faults;
    public MediaOptions Options { get; } = options.Value;
}
