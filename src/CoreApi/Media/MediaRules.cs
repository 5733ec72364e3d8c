namespace MultichannelMessages.CoreApi.Media;

/// <summary>
/// What each channel accepts per media type, checked before the file is stored, so the agent learns at once rather
/// than from a failed send minutes later. WhatsApp Cloud API ("Supported media types"): image JPEG/PNG up to 5 MB;
/// video MP4/3GPP up to 16 MB; audio AAC/AMR/MP3/M4A/OGG (Opus only) up to 16 MB; documents (text, PDF, Office) up
/// to 100 MB; stickers WebP up to 100 KB static, 500 KB animated. Messenger (Send API attachments, 25 MB) and
/// Instagram (image 8 MB, video/audio/PDF 25 MB): no stickers, and no captions (an attachment carries no text).
/// </summary>
public static class MediaRules
{
    private const long MB = 1024 * 1024;
    public const int MaxCaptionLength = 1024;
    /// <summary>The largest file any type allows (documents): the request body limit of the upload endpoint.</summary>
    public const long MaxFileBytes = 100 * MB;

    private static readonly string[] OfficeDocuments =
    [
        "text/plain", "application/pdf", "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ];

    private static readonly Dictionary<string, Dictionary<string, (string[] MimeTypes, long MaxBytes)>> Channels = new()
    {
        ["whatsapp"] = new()
        {
            ["image"] = (["image/jpeg", "image/png"], 5 * MB),
            ["video"] = (["video/mp4", "video/3gpp", "video/3gp"], 16 * MB),
            ["audio"] = (["audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"], 16 * MB),
            ["document"] = (OfficeDocuments, 100 * MB),
            ["sticker"] = (["image/webp"], 500 * 1024),
        },
        ["messenger"] = new()
        {
            ["image"] = (["image/jpeg", "image/png", "image/gif"], 25 * MB),
            ["video"] = (["video/mp4"], 25 * MB),
            ["audio"] = (["audio/aac", "audio/mpeg", "audio/mp4", "audio/wav", "audio/ogg"], 25 * MB),
            ["document"] = (OfficeDocuments, 25 * MB),
        },
        ["instagram"] = new()
        {
            ["image"] = (["image/jpeg", "image/png"], 8 * MB),
            ["video"] = (["video/mp4"], 25 * MB),
            ["audio"] = (["audio/aac", "audio/mp4", "audio/wav"], 25 * MB),
            ["document"] = (["application/pdf"], 25 * MB),
        },
    };
    private const long StaticStickerBytes = 100 * 1024;

    public sealed record Problem(string Field, string Code, string Detail);

    /// <summary>The kind a file is sent as when the client does not say: by its MIME type.</summary>
    public static string KindOf(string mimeType) => mimeType switch
    {
        "image/webp" => "sticker",
        _ when mimeType.StartsWith("image/", StringComparison.Ordinal) => "image",
        _ when mimeType.StartsWith("video/", StringComparison.Ordinal) => "video",
        _ when mimeType.StartsWith("audio/", StringComparison.Ordinal) => "audio",
        _ => "document",
    };

    /// <summary>The MIME type without parameters, lower case ("audio/ogg; codecs=opus" → "audio/ogg").</summary>
    public static string Essence(string? contentType) =>
        (contentType ?? "").Split(';', 2)[0].Trim().ToLowerInvariant();

    /// <summary>Null when the channel accepts the file as <paramref name="kind"/>; otherwise the field at fault and why.
    /// <paramref name="head"/> is the start of the file (enough to tell Ogg Opus and animated WebP apart).</summary>
    public static Problem? Check(string channel, string kind, string mimeType, long length, ReadOnlySpan<byte> head, string? caption)
    {
        var name = channel switch { "whatsapp" => "WhatsApp", "messenger" => "Messenger", "instagram" => "Instagram", _ => channel };
        if (!Channels.TryGetValue(channel, out var kinds))
            return new("file", "media_not_supported_on_channel", $"Files cannot be sent on {name}.");
        if (!kinds.TryGetValue(kind, out var rule))
            return new("type", "invalid_media_kind", $"On {name}, type must be {string.Join(", ", kinds.Keys)}.");
        if (length == 0) return new("file", "empty_file", "The file is empty.");
        if (!rule.MimeTypes.Contains(mimeType))
            return new("file", "unsupported_media_type", $"{name} does not accept {(mimeType.Length == 0 ? "an untyped file" : mimeType)} as {kind}; accepted: {string.Join(", ", rule.MimeTypes)}.");
        var whatsApp = channel == "whatsapp";
        if (whatsApp && mimeType == "audio/ogg" && head.IndexOf("OpusHead"u8) < 0)
            return new("file", "unsupported_media_type", "WhatsApp accepts Ogg audio only with the Opus codec.");
        var max = kind == "sticker" && head.IndexOf("ANIM"u8) < 0 ? StaticStickerBytes : rule.MaxBytes;
        if (length > max)
            return new("file", "media_too_large", $"{name} accepts {(kind == "sticker" ? (max == StaticStickerBytes ? "static stickers" : "animated stickers") : kind + " files")} up to {Size(max)}; this one is {Size(length)}.");
        if (caption is { Length: > 0 } && (!whatsApp || kind is "audio" or "sticker"))
            return new("caption", "caption_not_supported", whatsApp ? $"WhatsApp shows no caption on {kind} messages." : $"{name} attachments carry no caption; send the text as its own message.");
        if (caption is { Length: > MaxCaptionLength })
            return new("caption", "caption_too_long", $"A caption is at most {MaxCaptionLength} characters; this has {caption.Length}.");
        return null;
    }

    /// <summary>How a file must be served back: inline only for what a browser shows without running it.</summary>
    public static bool IsInline(string? mimeType) =>
        Essence(mimeType) is var m && (m is "image/jpeg" or "image/png" or "image/webp" or "image/gif"
            || m.StartsWith("video/", StringComparison.Ordinal) || m.StartsWith("audio/", StringComparison.Ordinal));

    private static string Size(long bytes) => bytes >= MB
        ? $"{bytes / (double)MB:0.#} MB"
        : bytes >= 1024 ? $"{bytes / 1024.0:0.#} KB" : $"{bytes} bytes";
}
