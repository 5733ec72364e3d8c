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
        var send = new WhatsAppSend(to, waId.Length > 0 ? waId : to, type, content.Text("body"),
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
        "interactive" when content.Text("type") is null => "The parameter interactive['type'] is required.",
        "contacts" when content is not JsonArray { Count: > 0 } => "Param contacts must be a non-empty array.",
        _ when MediaTypes.Contains(type) && content.Text("id") is null && content.Text("link") is null =>
            $"Param {type} must contain either id or link.",
        _ => null,
    };

    private static (WhatsAppSend?, GraphError?) Invalid(string details) => (null, GraphErrors.InvalidParameter(details));
}
