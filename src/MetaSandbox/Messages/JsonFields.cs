using System.Text.Json;
using System.Text.Json.Nodes;

namespace MultichannelMessages.MetaSandbox.Messages;

internal static class JsonFields
{
    /// <summary>A string or number member as text (Meta accepts "to": 15551234567 as well as a string).</summary>
    public static string? Text(this JsonNode? node, string name)
    {
        if (node is not JsonObject obj || obj[name] is not JsonValue value)
            return null;
        return value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.ToJsonString(),
            _ => null,
        };
    }

    public static async Task<JsonObject?> ReadObjectAsync(HttpRequest request)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
