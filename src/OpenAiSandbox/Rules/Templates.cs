using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MultichannelMessages.OpenAiSandbox.Apis;

namespace MultichannelMessages.OpenAiSandbox.Rules;

/// <summary><c>{{name}}</c> placeholders in a rule's strings; an unknown name renders empty.</summary>
public static partial class Templates
{
    public static string Render(string template, Func<string, string?> lookup) =>
        Placeholder().Replace(template, m => lookup(m.Groups[1].Value) ?? "");

    /// <summary>A copy of <paramref name="node"/> with every string rendered.</summary>
    public static JsonNode? Render(JsonNode? node, Func<string, string?> lookup) => Json.MapStrings(node, text => Render(text, lookup));

    /// <summary>A member of a JSON text by dotted path (<c>items.0.name</c>), as text: a string as is, anything else as
    /// JSON. Null when the text is not JSON or has no such member.</summary>
    public static string? Path(string json, string path)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
        foreach (var segment in path.Split('.'))
            node = node switch
            {
                JsonObject obj => obj[segment],
                JsonArray array when int.TryParse(segment, out var i) && i >= 0 && i < array.Count => array[i],
                _ => null,
            };
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : node?.ToJsonString();
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_.]+)\s*\}\}")]
    private static partial Regex Placeholder();
}
