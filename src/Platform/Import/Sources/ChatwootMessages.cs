using System.Text.Json;

namespace MultichannelMessages.Platform.Import.Sources;

/// <summary>One Chatwoot message (not private) as a generic message record (docs/import.md "Chatwoot", messages).</summary>
internal static class ChatwootMessages
{
    /// <summary>Chatwoot's attachment file_type enum.</summary>
    private static string FileKind(int fileType) => fileType switch
    {
        0 => "image", 1 => "audio", 2 => "video", 3 => "document", 4 => "location", 5 => "fallback", 6 => "share",
        7 => "story_mention", 8 => "contact", 9 => "video", _ => "attachment_" + fileType,
    };

    public static void Write(Utf8JsonWriter w, long conversationId, int messageType, string? content, int contentType, int? status,
        string? sourceId, string? contentAttributesJson, string? senderType, long? senderId, string createdAt, string? attachmentsJson)
    {
        w.WriteString("conversation", "cv-" + conversationId);
        // 0 incoming; 1 outgoing and 3 template are the business's; 2 activity is Chatwoot's own line (not a message).
        w.WriteString("direction", messageType == 0 ? "in" : "out");
        w.WriteString("occurredAt", createdAt);
        using var attributes = JsonDocument.Parse(contentAttributesJson is { Length: > 0 } a ? a : "{}");
        var attrs = attributes.RootElement.ValueKind == JsonValueKind.Object ? attributes.RootElement : default;
        string? Attr(string name) => attrs.ValueKind == JsonValueKind.Object && attrs.TryGetProperty(name, out var p)
            && p.ValueKind is JsonValueKind.String or JsonValueKind.Number ? p.ToString() : null;
        var deleted = attrs.ValueKind == JsonValueKind.Object && attrs.TryGetProperty("deleted", out var d) && d.ValueKind == JsonValueKind.True;

        using var attachments = JsonDocument.Parse(attachmentsJson ?? "[]");
        var files = attachments.RootElement.EnumerateArray().ToList();
        var kinds = files.Select(f => FileKind(f.GetProperty("fileType").GetInt32())).ToList();
        var links = new List<string>();

        if (messageType == 2) Kind(w, "activity", content);
        else if (deleted) Kind(w, "deleted", content);
        else if (kinds.FirstOrDefault(k => k is "story_mention" or "contact" || k.StartsWith("attachment_", StringComparison.Ordinal)) is { } unsupported)
            Kind(w, unsupported, content);
        else if (kinds.Contains("location"))
        {
            var place = files[kinds.IndexOf("location")];
            w.WriteString("kind", "location");
            w.WriteStartObject("location");
            w.WriteNumber("latitude", place.GetProperty("lat").GetDouble());
            w.WriteNumber("longitude", place.GetProperty("long").GetDouble());
            if (Text(place, "title") is { } title) w.WriteString("name", title);
            w.WriteEndObject();
        }
        else if (kinds.Any(k => k is "image" or "audio" or "video" or "document"))
        {
            var media = files.Where((_, n) => kinds[n] is "image" or "audio" or "video" or "document").ToList();
            w.WriteString("kind", FileKind(media[0].GetProperty("fileType").GetInt32()));
            if (!string.IsNullOrEmpty(content)) w.WriteString("text", content);
            w.WriteStartArray("media");
            foreach (var f in media)
            {
                w.WriteStartObject();
                w.WriteString("kind", FileKind(f.GetProperty("fileType").GetInt32()));
                // external_url is a URL the source gave (Instagram, Facebook CDNs, or an uploaded file's public URL);
                // files kept in Chatwoot's own storage have none: kept as a failed file with their name.
                if (Text(f, "url") is { } url) w.WriteString("url", url);
                if (Text(f, "fileName") is { } fileName) w.WriteString("fileName", fileName);
                if (Text(f, "mimeType") is { } mime) w.WriteString("mimeType", mime);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        else
        {
            // Text, with a shared link or a fallback card's title and URL kept beside it.
            foreach (var f in files)
            {
                if (Text(f, "url") is { } url) links.Add(url);
                content ??= Text(f, "title");
            }
            w.WriteString("kind", "text");
            if (content is not null) w.WriteString("text", content);
        }

        if (messageType != 0)
        {
            if (status != 3 || Attr("external_error") is not { } error)
                w.WriteString("status", status switch { 1 => "delivered", 2 => "read", 3 => "failed", _ => "sent" });
            else
            {
                // The failure with Meta's reason as Chatwoot kept it.
                w.WriteStartArray("statuses");
                w.WriteStartObject(); w.WriteString("status", "failed"); w.WriteString("at", createdAt); w.WriteString("errorTitle", error); w.WriteEndObject();
                w.WriteEndArray();
            }
        }
        if (!string.IsNullOrEmpty(sourceId)) w.WriteString("providerMessageId", sourceId);
        if (Attr("in_reply_to_external_id") is { } replyTo) w.WriteString("replyTo", replyTo);
        if (senderType == "User" && senderId is { } user) w.WriteString("agent", "u-" + user);
        w.WriteStartObject("extra");
        w.WriteString("source", "chatwoot");
        w.WriteNumber("contentType", contentType);
        if (senderType is not null && senderType != "User" && senderType != "Contact")
        {
            w.WriteString("senderType", senderType);
            if (senderId is { } id) w.WriteNumber("senderId", id);
        }
        if (attrs.ValueKind == JsonValueKind.Object && attrs.EnumerateObject().Any()) { w.WritePropertyName("contentAttributes"); attrs.WriteTo(w); }
        if (links.Count > 0)
        {
            w.WriteStartArray("links");
            foreach (var link in links) w.WriteStringValue(link);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>A kind the platform has no message for: emitted so the engine reports it as unsupported_message_type.</summary>
    private static void Kind(Utf8JsonWriter w, string kind, string? content)
    {
        w.WriteString("kind", kind);
        if (content is not null) w.WriteString("text", content);
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String && p.GetString() is { Length: > 0 } s ? s : null;
}
