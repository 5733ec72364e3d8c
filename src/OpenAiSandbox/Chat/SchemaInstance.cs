using System.Text.Json;
using System.Text.Json.Nodes;

namespace MultichannelMessages.OpenAiSandbox.Chat;

/// <summary>
/// A valid instance of a JSON schema, built deterministically, so a client with a strict schema always gets output it
/// can parse: enum → its first value, const → itself, nullable → null, string → the seed text (a format's sample),
/// number → 0 (or its minimum), boolean → false, array → minItems items (none), object → its required properties.
/// <see cref="Overlay"/> then lays a rule's values over it where they fit the schema, so a rule written for one envelope
/// still answers valid JSON for a schema with other fields.
/// </summary>
public sealed class SchemaInstance(JsonElement root, string seed)
{
    private const int MaxDepth = 24;

    public JsonNode? Generate() => Generate(root, 0);

    /// <summary>The generated instance with <paramref name="values"/> laid over it wherever a value fits its place.</summary>
    public JsonNode? Overlay(JsonNode? values) => Fit(root, values, 0, out var fitted) ? fitted : Generate();

    private JsonNode? Generate(JsonElement schema, int depth)
    {
        schema = Resolve(schema);
        if (depth > MaxDepth || schema.ValueKind != JsonValueKind.Object)
            return null;
        if (schema.TryGetProperty("const", out var constant))
            return JsonNode.Parse(constant.GetRawText());
        if (schema.TryGetProperty("enum", out var values) && values.GetArrayLength() > 0)
            return JsonNode.Parse(values[0].GetRawText());
        if (schema.TryGetProperty("anyOf", out var anyOf) && anyOf.GetArrayLength() > 0)
        {
            var branches = anyOf.EnumerateArray().Select(Resolve).ToList();
            return branches.Any(b => TypeOf(b) == "null") ? null : Generate(branches[0], depth + 1);
        }
        return TypeOf(schema) switch
        {
            "string" => JsonValue.Create(Text(schema)),
            "number" or "integer" => JsonValue.Create(Number(schema)),
            "boolean" => JsonValue.Create(false),
            "array" => new JsonArray([.. Enumerable.Range(0, Min(schema, "minItems"))
                .Select(_ => schema.TryGetProperty("items", out var items) ? Generate(items, depth + 1) : null)]),
            "object" => Object(schema, depth),
            _ => null,
        };
    }

    private JsonObject Object(JsonElement schema, int depth)
    {
        var result = new JsonObject();
        if (!schema.TryGetProperty("properties", out var properties) || !schema.TryGetProperty("required", out var required))
            return result;
        foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
            if (properties.TryGetProperty(name, out var property))
                result[name] = Generate(property, depth + 1);
        return result;
    }

    private bool Fit(JsonElement schema, JsonNode? value, int depth, out JsonNode? fitted)
    {
        fitted = null;
        schema = Resolve(schema);
        if (depth > MaxDepth || schema.ValueKind != JsonValueKind.Object)
            return false;
        if (schema.TryGetProperty("anyOf", out var anyOf))
        {
            foreach (var branch in anyOf.EnumerateArray())
                if (Fit(branch, value, depth + 1, out fitted))
                    return true;
            return false;
        }
        if (schema.TryGetProperty("enum", out var values))
        {
            fitted = value?.DeepClone();
            return values.EnumerateArray().Any(v => JsonNode.DeepEquals(JsonNode.Parse(v.GetRawText()), value));
        }
        var types = Types(schema);
        switch (value)
        {
            case null:
                return types.Contains("null");
            case JsonObject obj when types.Contains("object"):
                fitted = FitObject(schema, obj, depth);
                return true;
            case JsonArray array when types.Contains("array"):
                var items = new JsonArray();
                foreach (var item in array)
                {
                    if (!schema.TryGetProperty("items", out var itemSchema) || !Fit(itemSchema, item, depth + 1, out var fittedItem))
                        return false;
                    items.Add(fittedItem);
                }
                fitted = items;
                return true;
            case JsonValue scalar when types.Contains(Kind(scalar)) || (Kind(scalar) == "integer" && types.Contains("number")):
                fitted = scalar.DeepClone();
                return true;
            default:
                return false;
        }
    }

    private JsonObject FitObject(JsonElement schema, JsonObject values, int depth)
    {
        var result = Object(schema, depth);
        if (!schema.TryGetProperty("properties", out var properties))
            return result;
        foreach (var (name, value) in values)
            if (properties.TryGetProperty(name, out var property) && Fit(property, value, depth + 1, out var fitted))
                result[name] = fitted;
        return result;
    }

    private JsonElement Resolve(JsonElement schema)
    {
        for (var hops = 0; hops < MaxDepth && schema.ValueKind == JsonValueKind.Object
             && schema.TryGetProperty("$ref", out var reference) && reference.GetString() is { } path; hops++)
        {
            var target = root;
            foreach (var segment in path.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
                if (!target.TryGetProperty(segment.Replace("~1", "/").Replace("~0", "~"), out target))
                    return default;
            schema = target;
        }
        return schema;
    }

    private string Text(JsonElement schema)
    {
        var text = (schema.TryGetProperty("format", out var format) ? format.GetString() : null) switch
        {
            "date-time" => "1970-01-01T00:00:00Z",
            "date" => "1970-01-01",
            "time" => "00:00:00",
            "email" => "sandbox@example.com",
            "uuid" => "00000000-0000-0000-0000-000000000000",
            "uri" => "https://example.com/",
            "hostname" => "example.com",
            "ipv4" => "127.0.0.1",
            "ipv6" => "::1",
            "duration" => "P0D",
            _ => seed,
        };
        var min = Min(schema, "minLength");
        if (text.Length < min)
            text = text.PadRight(min, '.');
        if (schema.TryGetProperty("maxLength", out var max) && max.TryGetInt32(out var maxLength) && text.Length > maxLength)
            text = text[..maxLength];
        return text;
    }

    private static double Number(JsonElement schema)
    {
        if (schema.TryGetProperty("minimum", out var minimum) && minimum.GetDouble() > 0)
            return TypeOf(schema) == "integer" ? Math.Ceiling(minimum.GetDouble()) : minimum.GetDouble();
        if (schema.TryGetProperty("exclusiveMinimum", out var exclusive) && exclusive.GetDouble() >= 0)
            return Math.Floor(exclusive.GetDouble()) + 1;
        if (schema.TryGetProperty("maximum", out var maximum) && maximum.GetDouble() < 0)
            return TypeOf(schema) == "integer" ? Math.Floor(maximum.GetDouble()) : maximum.GetDouble();
        return 0;
    }

    private static int Min(JsonElement schema, string keyword) =>
        schema.TryGetProperty(keyword, out var value) && value.TryGetInt32(out var number) ? Math.Clamp(number, 0, 100) : 0;

    /// <summary>The schema's first non-null type: a nullable type array (["string","null"]) generates null.</summary>
    private static string? TypeOf(JsonElement schema)
    {
        var types = Types(schema);
        return types.Contains("null") && types.Count > 1 ? "null" : types.FirstOrDefault();
    }

    private static List<string> Types(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
            return schema.TryGetProperty("properties", out _) ? ["object"] : [];
        return type.ValueKind == JsonValueKind.Array ? [.. type.EnumerateArray().Select(t => t.GetString()!)] : [type.GetString()!];
    }

    private static string Kind(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => value.ToJsonString().Contains('.') || value.ToJsonString().Contains('e') ? "number" : "integer",
        _ => "null",
    };
}
