using System.Text.Json.Nodes;
using MultichannelMessages.MetaSandbox.Graph;

namespace MultichannelMessages.MetaSandbox.Messages;

/// <summary>A WhatsApp send that passed validation.</summary>
public sealed record WhatsAppSend(string To, string WaId, string Type, string? Text, string? TemplateName,
    string? TemplateLanguage, string? CallbackData);

/// <summary>
/// The Cloud API's checks on <c>POST /{phone-number-id}/messages</c>, refused with code 100 as Meta refuses them.
/// A missing type means text, as in Meta's reference.
/// </summary>
public static class WhatsAppSendRules
{
    public const int MaxTextLength = 4096;

    private static readonly string[] Types =
        ["audio", "contacts", "document", "image", "interactive", "location", "reaction", "sticker", "template", "text", "video"];

    private static readonly string[] MediaTypes = ["audio", "document", "image", "sticker", "video"];

    public static (WhatsAppSend? Send, GraphError? Error) Validate(JsonObject body)
    {
        var product = body.Text("messaging_product");
        if (product is null)
            return Invalid("The parameter messaging_product is required.");
        if (product != "whatsapp")
            return Invalid($"Param messaging_product must be one of {{WHATSAPP}} - got \"{product}\".");
        var to = body.Text("to");
        if (string.IsNullOrWhiteSpace(to))
            return Invalid("The parameter to is required.");
        var type = body.Text("type") ?? "text";
        if (!Types.Contains(type))
            return Invalid($"Param type must be one of {{{string.Join(", ", Types.Select(t => t.ToUpperInvariant()))}}} - got \"{type}\".");
        var content = body[type];
        if (content is null)
            return Invalid($"The parameter {type} is required.");
        if (Content(type, content) is { } problem)
            return Invalid(problem);

        var waId = new string([.. to.Where(char.IsAsciiDigit)]);
        var send = new WhatsAppSend(to, waId.Length > 0 ? waId : to, type, type == "interactive" ? content["body"].Text("text") : content.Text("body"),
            content.Text("name"), content["language"].Text("code"), body.Text("biz_opaque_callback_data"));
        return (send, null);
    }

    private static string? Content(string type, JsonNode content) => type switch
    {
        "text" => content.Text("body") switch
        {
            null => "The parameter text['body'] is required.",
            var text when text.EnumerateRunes().Count() > MaxTextLength => $"Param text['body'] must be at most {MaxTextLength} characters long.",
            _ => null,
        },
        "template" when content.Text("name") is null => "The parameter template['name'] is required.",
        "template" when content["language"].Text("code") is null => "The parameter template['language']['code'] is required.",
        "reaction" when content.Text("message_id") is null => "The parameter reaction['message_id'] is required.",
        "location" when content.Text("latitude") is null || content.Text("longitude") is null =>
            "The parameters location['latitude'] and location['longitude'] are required.",
        "interactive" => Interactive(content),
        "contacts" when content is not JsonArray { Count: > 0 } => "Param contacts must be a non-empty array.",
        _ when MediaTypes.Contains(type) && content.Text("id") is null && content.Text("link") is null =>
            $"Param {type} must contain either id or link.",
        _ => null,
    };

    /// <summary>Reply buttons (at most 3, titles ≤ 20, unique ids) and list messages (at most 10 rows in all, titles ≤ 24,
    /// descriptions ≤ 72, a button text ≤ 20), each with a body of at most 1,024 characters, as the Cloud API refuses them.</summary>
    private static string? Interactive(JsonNode content)
    {
        var kind = content.Text("type");
        if (kind is null) return "The parameter interactive['type'] is required.";
        if (kind == "call_permission_request") return CallPermissionRequest(content);
        if (kind is not ("button" or "list")) return null;
        var body = content["body"].Text("text");
        if (string.IsNullOrEmpty(body)) return "The parameter interactive['body']['text'] is required.";
        if (body.EnumerateRunes().Count() > 1024) return "Param interactive['body']['text'] must be at most 1024 characters long.";
        var action = content["action"];
        if (kind == "button")
        {
            if (action?["buttons"] is not JsonArray { Count: >= 1 and <= 3 } buttons)
                return "Param interactive['action']['buttons'] must contain between 1 and 3 elements.";
            var ids = new HashSet<string>();
            foreach (var b in buttons)
            {
                if (b?["reply"] is not { } reply || reply.Text("id") is not { Length: > 0 and <= 256 } id || !ids.Add(id))
                    return "Param interactive['action']['buttons'][]['reply']['id'] must be unique and at most 256 characters.";
                if (reply.Text("title") is not { Length: > 0 } title || title.EnumerateRunes().Count() > 20)
                    return "Param interactive['action']['buttons'][]['reply']['title'] must be between 1 and 20 characters long.";
            }
            return null;
        }
        if (action.Text("button") is not { Length: > 0 } button || button.EnumerateRunes().Count() > 20)
            return "Param interactive['action']['button'] must be between 1 and 20 characters long.";
        if (action?["sections"] is not JsonArray { Count: >= 1 and <= 10 } sections)
            return "Param interactive['action']['sections'] must contain between 1 and 10 elements.";
        var rows = sections.SelectMany(s => s?["rows"] as JsonArray ?? []).ToList();
        if (rows.Count is 0 or > 10) return "Total row count exceed max allowed count: 10";
        foreach (var row in rows)
        {
            if (row.Text("id") is not { Length: > 0 and <= 200 }) return "Param interactive['action']['sections'][]['rows'][]['id'] is required.";
            if (row.Text("title") is not { Length: > 0 } title || title.EnumerateRunes().Count() > 24)
                return "Param interactive['action']['sections'][]['rows'][]['title'] must be between 1 and 24 characters long.";
            if (row.Text("description") is { } d && d.EnumerateRunes().Count() > 72)
                return "Param interactive['action']['sections'][]['rows'][]['description'] must be at most 72 characters long.";
        }
        return null;
    }

    /// <summary>The free-form call permission request: a body of at most 1,024 characters and the fixed action; Meta
    /// supports no header or footer on it.</summary>
    private static string? CallPermissionRequest(JsonNode content)
    {
        if (content["header"] is not null || content["footer"] is not null)
            return "Param interactive['header'] and interactive['footer'] are not supported for call_permission_request.";
        var body = content["body"].Text("text");
        if (string.IsNullOrEmpty(body)) return "The parameter interactive['body']['text'] is required.";
        if (body.EnumerateRunes().Count() > 1024) return "Param interactive['body']['text'] must be at most 1024 characters long.";
        return content["action"].Text("name") == "call_permission_request"
            ? null
            : "Param interactive['action']['name'] must be call_permission_request.";
    }

    private static (WhatsAppSend?, GraphError?) Invalid(string details) => (null, GraphErrors.InvalidParameter(details));
}
