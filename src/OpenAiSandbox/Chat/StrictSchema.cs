using System.Text.Json;

namespace MultichannelMessages.OpenAiSandbox.Chat;

/// <summary>
/// OpenAI's structured-output rules for a strict schema (response_format json_schema or a function tool with
/// strict:true), worded as OpenAI words the refusal: the root is an object; every object says
/// <c>additionalProperties: false</c> and lists every property in <c>required</c>; the keywords OpenAI does not
/// support are refused; nesting stops at 10 levels. Without strict only the object root is required.
/// </summary>
public static class StrictSchema
{
    /// <summary>Keywords OpenAI's strict mode does not support (pattern, format, minimum/maximum and minItems/maxItems
    /// it does).</summary>
    private static readonly HashSet<string> Unsupported =
    [
        "allOf", "oneOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas",
        "patternProperties", "unevaluatedProperties", "propertyNames", "minProperties", "maxProperties",
        "minLength", "maxLength", "contains", "minContains", "maxContains", "uniqueItems", "unevaluatedItems",
    ];

    public const int MaxDepth = 10;

    /// <summary>The first rule the schema breaks, in OpenAI's words, or null.</summary>
    public static string? Violation(JsonElement schema, bool strict)
    {
        if (schema.ValueKind != JsonValueKind.Object)
            return "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"None\"'.";
        var type = schema.TryGetProperty("type", out var t) ? t.ToString() : "None";
        if (type != "object")
            return $"schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{type}\"'.";
        return strict ? Check(schema, [], 0) : null;
    }

    private static string? Check(JsonElement node, List<string> context, int depth)
    {
        if (node.ValueKind != JsonValueKind.Object)
            return node.ValueKind == JsonValueKind.True ? null : $"In context={Context(context)}, schema must be an object.";
        if (depth > MaxDepth)
            return $"In context={Context(context)}, the schema exceeds the maximum nesting depth of {MaxDepth} levels.";
        foreach (var property in node.EnumerateObject())
            if (Unsupported.Contains(property.Name))
                return $"In context={Context(context)}, '{property.Name}' is not permitted.";

        if (IsObject(node) && ObjectRules(node, context) is { } objectViolation)
            return objectViolation;

        foreach (var (keyword, child, key) in Children(node))
        {
            List<string> inner = key is null ? [.. context, keyword] : [.. context, keyword, key];
            if (Check(child, inner, depth + (keyword is "$defs" or "definitions" ? 0 : 1)) is { } violation)
                return violation;
        }
        return null;
    }

    private static string? ObjectRules(JsonElement node, List<string> context)
    {
        if (!node.TryGetProperty("additionalProperties", out var additional) || additional.ValueKind != JsonValueKind.False)
            return $"In context={Context(context)}, 'additionalProperties' is required to be supplied and to be false.";
        var properties = node.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object
            ? p.EnumerateObject().Select(x => x.Name).ToList() : [];
        var required = node.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(x => x.ToString()).ToList() : null;
        if (required is null && properties.Count > 0)
            return $"In context={Context(context)}, 'required' is required to be supplied and to be an array including every key in properties. Missing '{properties[0]}'.";
        if (properties.FirstOrDefault(name => !required!.Contains(name)) is { } missing)
            return $"In context={Context(context)}, 'required' is required to be supplied and to be an array including every key in properties. Missing '{missing}'.";
        if (required?.FirstOrDefault(name => !properties.Contains(name)) is { } extra)
            return $"In context={Context(context)}, 'required' is required to be supplied and to be an array including every key in properties. Extra required key '{extra}' supplied.";
        return null;
    }

    private static bool IsObject(JsonElement node) =>
        node.TryGetProperty("type", out var type)
            ? type.ValueKind == JsonValueKind.String ? type.GetString() == "object" : type.ToString().Contains("\"object\"", StringComparison.Ordinal)
            : node.TryGetProperty("properties", out _);

    private static IEnumerable<(string Keyword, JsonElement Child, string? Key)> Children(JsonElement node)
    {
        foreach (var keyword in new[] { "properties", "$defs", "definitions" })
            if (node.TryGetProperty(keyword, out var map) && map.ValueKind == JsonValueKind.Object)
                foreach (var entry in map.EnumerateObject())
                    yield return (keyword, entry.Value, entry.Name);
        if (node.TryGetProperty("items", out var items))
            yield return ("items", items, null);
        if (node.TryGetProperty("anyOf", out var anyOf) && anyOf.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var branch in anyOf.EnumerateArray())
                yield return ("anyOf", branch, (i++).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Python's tuple repr, as OpenAI prints the context: <c>()</c>, <c>('items',)</c>, <c>('properties', 'a')</c>.</summary>
    private static string Context(List<string> context) => context.Count switch
    {
        0 => "()",
        1 => $"('{context[0]}',)",
        _ => "(" + string.Join(", ", context.Select(c => $"'{c}'")) + ")",
    };
}
