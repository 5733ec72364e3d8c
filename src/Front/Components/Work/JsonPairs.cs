using System.Text.Json;

namespace MultichannelMessages.Front.Components.Work;

/// <summary>A JSON object from the Core API (an AI agent's measures, a tool call's arguments, a chatbot's saved answers)
/// as name → value for a definition list: strings as they are, anything else as its JSON.</summary>
public static class JsonPairs
{
    /// <summary>The object's members; null when the text is not a JSON object.</summary>
    public static List<(string Key, string Value)>? Of(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return null;
            return [.. document.RootElement.EnumerateObject()
                .Select(p => (p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? "" : p.Value.GetRawText()))];
        }
        catch (JsonException) { return null; }
    }
}
