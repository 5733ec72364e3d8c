using System.Text.Json;
using System.Text.Json.Nodes;
using MultichannelMessages.Platform.Meta;

namespace MultichannelMessages.Worker.Graph;

/// <summary>
/// Builds the JSON body of POST /{version}/{account}/messages.
/// Text is <c>type = 'text'</c> with the body. Any other type reads <c>chat.messages.payload</c>: an object named
/// after the type in Meta's own shape (<c>{"image":{"link":…}}</c>, <c>{"template":{…}}</c>, <c>{"message":{…}}</c>
/// for Messenger) is sent as it is; for media, a top-level <c>link</c> or <c>media_id</c> is enough (the body becomes
/// the caption). Messenger/Instagram read an optional <c>tag</c> (e.g. HUMAN_AGENT) for sends outside the standard
/// window; WhatsApp an optional <c>context.message_id</c> for replies.
/// </summary>
public static class GraphRequests
{
    private static readonly HashSet<string> WhatsAppMedia = ["image", "video", "audio", "document", "sticker"];
    private static readonly HashSet<string> Captioned = ["image", "video", "document"];

    /// <summary>The request body, or null with the reason when the message cannot be expressed for its channel.</summary>
    public static JsonObject? Build(OutboundMessage message, out string? problem)
    {
        JsonObject? payload;
        try { payload = string.IsNullOrEmpty(message.Payload) ? null : JsonNode.Parse(message.Payload) as JsonObject; }
        catch (JsonException) { payload = null; }
        problem = null;
        var body = message.Channel switch
        {
            Channels.WhatsApp => WhatsApp(message, payload),
            Channels.Messenger or Channels.Instagram => Messenger(message, payload),
            _ => null,
        };
        if (body is null) problem = $"cannot send a '{message.Type}' message on {message.Channel}";
        return body;
    }

    private static JsonObject? WhatsApp(OutboundMessage m, JsonObject? payload)
    {
        var request = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["recipient_type"] = "individual",
            ["to"] = m.Recipient,
            ["type"] = m.Type,
        };
        if (payload?["context"] is JsonObject context) request["context"] = context.DeepClone();
        if (!string.IsNullOrEmpty(m.CallbackData)) request["biz_opaque_callback_data"] = m.CallbackData;
        if (m.Type == "text")
        {
            if (string.IsNullOrEmpty(m.Body)) return null;
            request["text"] = new JsonObject { ["body"] = m.Body, ["preview_url"] = payload?["preview_url"] is JsonValue v && v.TryGetValue<bool>(out var preview) && preview };
            return request;
        }
        if (payload?[m.Type] is JsonObject shaped)
        {
            request[m.Type] = shaped.DeepClone();
            return request;
        }
        if (!WhatsAppMedia.Contains(m.Type) || MediaReference(payload) is not { } media) return null;
        if (Captioned.Contains(m.Type) && !string.IsNullOrEmpty(m.Body)) media["caption"] = m.Body;
        if (m.Type == "document" && payload?["filename"] is JsonValue filename) media["filename"] = filename.DeepClone();
        request[m.Type] = media;
        return request;
    }

    private static JsonObject? Messenger(OutboundMessage m, JsonObject? payload)
    {
        var tag = payload?["tag"] is JsonValue t && t.TryGetValue<string>(out var value) ? value : null;
        var request = new JsonObject
        {
            ["recipient"] = new JsonObject { ["id"] = m.Recipient },
            ["messaging_type"] = tag is null ? "RESPONSE" : "MESSAGE_TAG",
        };
        if (tag is not null) request["tag"] = tag;

        if (payload?["message"] is JsonObject shaped) request["message"] = shaped.DeepClone();
        else if (m.Type == "text" && !string.IsNullOrEmpty(m.Body)) request["message"] = new JsonObject { ["text"] = m.Body };
        else if (Attachment(m.Type, payload) is { } attachment) request["message"] = new JsonObject { ["attachment"] = attachment };
        else return null;
        return request;
    }

    private static JsonObject? Attachment(string type, JsonObject? payload)
    {
        var kind = type switch { "image" or "video" or "audio" => type, "document" or "file" => "file", _ => null };
        if (kind is null || payload is null) return null;
        JsonObject inner;
        if (payload["attachment_id"] is JsonValue id) inner = new JsonObject { ["attachment_id"] = id.DeepClone() };
        else if (payload["link"] is JsonValue url) inner = new JsonObject { ["url"] = url.DeepClone(), ["is_reusable"] = true };
        else return null;
        return new JsonObject { ["type"] = kind, ["payload"] = inner };
    }

    private static JsonObject? MediaReference(JsonObject? payload)
    {
        if (payload?["media_id"] is JsonValue id) return new JsonObject { ["id"] = id.DeepClone() };
        if (payload?["id"] is JsonValue plainId) return new JsonObject { ["id"] = plainId.DeepClone() };
        if (payload?["link"] is JsonValue link) return new JsonObject { ["link"] = link.DeepClone() };
        return null;
    }
}
