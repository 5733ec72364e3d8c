using System.Text.Json;

namespace MultichannelMessages.Platform.Meta.Parsing;

/// <summary>Turns one Meta webhook POST body into normalized rows. Pure: no I/O, and never throws.</summary>
public static class WebhookParser
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    public static ParsedWebhook Parse(ReadOnlyMemory<byte> body)
    {
        var result = new ParsedWebhook();
        try
        {
            // The reader rejects a BOM; Meta sends none, but a replayed or hand-made body may.
            if (body.Span.StartsWith(Utf8Bom))
                body = body[Utf8Bom.Length..];
            using var document = JsonDocument.Parse(body);
            Dispatch(document.RootElement, result);
        }
        catch (JsonException ex)
        {
            result.Error = $"invalid_json: {ex.Message}";
        }
        catch (Exception ex)
        {
            // Items are already caught one by one; reaching here is a parser bug, and the body is still kept raw.
            result.Error = $"parse_failed: {ex.GetType().Name}: {ex.Message}";
        }
        return result;
    }

    private static void Dispatch(JsonElement root, ParsedWebhook result)
    {
        var kind = root.Str("object");
        result.ObjectKind = kind;
        switch (kind)
        {
            case "whatsapp_business_account":
                WhatsAppParser.Parse(root, result);
                break;
            case "page":
                MessengerParser.Parse(root, Channels.Messenger, result);
                break;
            case "instagram":
                MessengerParser.Parse(root, Channels.Instagram, result);
                break;
            default:
                result.Error = $"unknown_object: {kind ?? "(missing)"}";
                break;
        }
    }
}
