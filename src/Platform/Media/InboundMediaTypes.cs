using System.Net.Http.Headers;
using System.Text;

namespace MultichannelMessages.Platform.Media;

/// <summary>
/// What an inbound download may store: the media kinds WhatsApp, Messenger and Instagram carry (image, video, audio,
/// and the documents WhatsApp accepts). A declared <c>application/octet-stream</c> (or none) is kept only when its
/// first bytes are one of those formats, and is recorded under the sniffed type. Everything else (an HTML page, a JSON
/// document, an SVG that could carry script) is refused: a URL from a payload must not turn into a file agents open.
/// </summary>
public static class InboundMediaTypes
{
    private static readonly HashSet<string> Documents = new(StringComparer.OrdinalIgnoreCase)
    {
        "application/pdf",
        "text/plain",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    };

    /// <summary>The content type to record, or null to refuse (a <see cref="Net.ContentCheck"/>).</summary>
    public static string? Accept(string? declaredContentType, ReadOnlySpan<byte> head)
    {
        var mediaType = MediaTypeHeaderValue.TryParse(declaredContentType, out var parsed) ? parsed.MediaType?.ToLowerInvariant() : null;
        if (mediaType is null or "application/octet-stream" or "binary/octet-stream") return Sniff(head);
        if (mediaType is "image/svg+xml") return null;
        if (mediaType.StartsWith("image/") || mediaType.StartsWith("video/") || mediaType.StartsWith("audio/") || Documents.Contains(mediaType))
            return declaredContentType;
        return null;
    }

    /// <summary>The format the first bytes show (magic numbers), or null.</summary>
    public static string? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "image/jpeg";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])) return "image/png";
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8)) return "image/gif";
        if (head.StartsWith("RIFF"u8) && head.Length >= 12)
            return head[8..12].SequenceEqual("WEBP"u8) ? "image/webp" : head[8..12].SequenceEqual("WAVE"u8) ? "audio/wav" : null;
        if (head.StartsWith("%PDF-"u8)) return "application/pdf";
        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8)) return Ftyp(head[8..12]);
        if (head.StartsWith("OggS"u8)) return "audio/ogg";
        if (head.StartsWith("#!AMR"u8)) return "audio/amr";
        if (head.StartsWith("ID3"u8)) return "audio/mpeg";
        if (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xF6) == 0xF0) return "audio/aac";   // ADTS
        if (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0) return "audio/mpeg";  // MPEG audio frame
        if (head.StartsWith((ReadOnlySpan<byte>)[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])) return "application/msword"; // OLE: doc/xls/ppt
        if (head.StartsWith("PK\u0003\u0004"u8)) return OfficeOpenXml(head);
        return null;
    }

    // ISO base media: the major brand tells audio (M4A) from video (MP4, 3GPP, QuickTime).
    private static string Ftyp(ReadOnlySpan<byte> brand)
    {
        var name = Encoding.ASCII.GetString(brand);
        if (name.StartsWith("M4A") || name.StartsWith("M4B")) return "audio/mp4";
        if (name.StartsWith("3gp") || name.StartsWith("3g2")) return "video/3gpp";
        if (name == "qt  ") return "video/quicktime";
        if (name is "heic" or "heix" or "mif1" or "msf1") return "image/heic";
        if (name is "avif" or "avis") return "image/avif";
        return "video/mp4";
    }

    // A ZIP is kept only as a Word, Excel or PowerPoint file: their first entry names the part that says so.
    private static string? OfficeOpenXml(ReadOnlySpan<byte> head)
    {
        var text = Encoding.ASCII.GetString(head);
        if (text.Contains("word/")) return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        if (text.Contains("xl/")) return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        if (text.Contains("ppt/")) return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
        // An Office file whose first entry does not say which: kept, and served as a download (never inline).
        return text.Contains("[Content_Types].xml") ? "application/octet-stream" : null;
    }
}
