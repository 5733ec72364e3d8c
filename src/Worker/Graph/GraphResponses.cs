using System.Text.Json;
using System.Text.RegularExpressions;

namespace MultichannelMessages.Worker.Graph;

/// <summary>Reads what the Graph API answered to a send: the message id on success, Meta's error envelope otherwise
/// (<c>{"error":{"message","type","code","error_subcode","error_data":{"details"},"fbtrace_id"}}</c>).</summary>
public static partial class GraphResponses
{
    public static GraphSendResult Parse(int httpStatus, ReadOnlySpan<byte> body, TimeSpan? retryAfter = null)
    {
        JsonDocument? document = null;
        try { document = JsonDocument.Parse(body.ToArray()); }
        catch (JsonException) { }
        using (document)
        {
            var root = document?.RootElement;
            if (root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
                return GraphSendResult.Failed(ReadError(httpStatus, error, retryAfter));
            if (httpStatus is >= 200 and < 300 && root is { ValueKind: JsonValueKind.Object } ok && MessageId(ok) is { } id)
                return GraphSendResult.Sent(id, MessageStatus(ok));

            var text = System.Text.Encoding.UTF8.GetString(body.Length > 500 ? body[..500] : body);
            var title = httpStatus is >= 200 and < 300 ? "Unexpected response" : "HTTP " + httpStatus;
            return GraphSendResult.Failed(new MetaError(httpStatus, null, null, title, text, RetryAfter: retryAfter));
        }
    }

    /// <summary>WhatsApp: <c>messages[0].id</c> (a wamid). Messenger and Instagram: <c>message_id</c>.</summary>
    private static string? MessageId(JsonElement root)
    {
        if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0
            && messages[0].TryGetProperty("id", out var wamid) && wamid.ValueKind == JsonValueKind.String)
            return wamid.GetString();
        if (root.TryGetProperty("message_id", out var mid) && mid.ValueKind == JsonValueKind.String)
            return mid.GetString();
        return null;
    }

    /// <summary>WhatsApp: <c>messages[0].message_status</c> (accepted, held_for_quality_assessment).</summary>
    private static string? MessageStatus(JsonElement root) =>
        root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0
            && messages[0].TryGetProperty("message_status", out var status) && status.ValueKind == JsonValueKind.String
            ? status.GetString() : null;

    private static MetaError ReadError(int httpStatus, JsonElement error, TimeSpan? retryAfter)
    {
        var message = String(error, "message") ?? "";
        int? code = Int(error, "code");
        var title = StripCodePrefix(message);
        if (title.Length == 0) title = String(error, "error_user_title") ?? String(error, "type") ?? "Unknown error";
        string? details = null;
        if (error.TryGetProperty("error_data", out var data))
        {
            details = data.ValueKind switch
            {
                JsonValueKind.Object => String(data, "details"),
                JsonValueKind.String => data.GetString(),
                _ => null,
            };
        }
        details ??= String(error, "error_user_msg");
        return new MetaError(httpStatus, code, Int(error, "error_subcode"), title, details, RetryAfter: retryAfter);
    }

    private static string StripCodePrefix(string message) => CodePrefix().Replace(message, "").Trim();

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n
        : element.TryGetProperty(name, out value) && value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), out n) ? n
        : null;

    [GeneratedRegex(@"^\(#\d+\)\s*")]
    private static partial Regex CodePrefix();
}
