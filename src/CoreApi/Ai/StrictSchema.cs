using System.Text.Json;

namespace MultichannelMessages.CoreApi.Ai;

/// <summary>
/// A tool's argument schema as OpenAI's strict mode takes it (Structured Outputs, "supported schemas"): the root is an
/// object (not anyOf); every object lists all its properties in <c>required</c> and sets
/// <c>additionalProperties: false</c>; arrays say their <c>items</c>; nesting is at most 10 levels and 100 properties
/// in all. An optional argument is written as a union with null (<c>"type": ["string", "null"]</c>). Refused here
/// rather than by the provider at the customer's first message.
/// </summary>
internal static class StrictSchema
{
    private const int MaxDepth = 10;
    private const int MaxProperties = 100;
    private static readonly string[] Types = ["string", "number", "integer", "boolean", "object", "array", "null"];

    /// <summary>Null when <paramref name="schema"/> is a strict root schema; otherwise the first place at fault, named
    /// below <paramref name="at"/> (<c>….parameters.properties.address.required</c>).</summary>
    public static DefinitionProblem? Check(JsonElement schema, string at)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var type)
            || type.ValueKind != JsonValueKind.String || type.GetString() != "object")
            return new(at, "invalid_schema", """The parameters are a JSON schema whose root is {"type": "object", …}.""");
        var count = 0;
        return Node(schema, at, 0, ref count);
    }

    private static DefinitionProblem? Node(JsonElement node, string at, int depth, ref int count)
    {
        if (depth > MaxDepth) return new(at, "schema_too_deep", $"Strict schemas nest at most {MaxDepth} levels.");
        if (node.ValueKind != JsonValueKind.Object) return new(at, "invalid_schema", "A schema is a JSON object.");
        if (node.TryGetProperty("$defs", out var defs))
        {
            if (defs.ValueKind != JsonValueKind.Object) return new($"{at}.$defs", "invalid_schema", "$defs is an object of schemas.");
            foreach (var def in defs.EnumerateObject())
                if (Node(def.Value, $"{at}.$defs.{def.Name}", depth + 1, ref count) is { } problem) return problem;
        }
        if (node.TryGetProperty("$ref", out var reference))
            return reference.ValueKind == JsonValueKind.String ? null : new($"{at}.$ref", "invalid_schema", "$ref is a string (#/$defs/…).");
        if (node.TryGetProperty("anyOf", out var anyOf))
        {
            if (anyOf.ValueKind != JsonValueKind.Array || anyOf.GetArrayLength() == 0)
                return new($"{at}.anyOf", "invalid_schema", "anyOf lists at least one schema.");
            var i = 0;
            foreach (var option in anyOf.EnumerateArray())
                if (Node(option, $"{at}.anyOf[{i++}]", depth + 1, ref count) is { } problem) return problem;
            return null;
        }
        if (!node.TryGetProperty("type", out var type) || TypesOf(type) is not { } types)
            return new($"{at}.type", "invalid_schema", $"Every schema names its type: {string.Join(", ", Types)} (or a list of them).");
        if (node.TryGetProperty("enum", out var values) && (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0))
            return new($"{at}.enum", "invalid_schema", "enum lists at least one value.");
        if (types.Contains("object") && Object(node, at, depth, ref count) is { } objectProblem) return objectProblem;
        if (types.Contains("array"))
        {
            if (!node.TryGetProperty("items", out var items)) return new($"{at}.items", "invalid_schema", "An array says what its items are.");
            if (Node(items, $"{at}.items", depth + 1, ref count) is { } itemsProblem) return itemsProblem;
        }
        return null;
    }

    private static DefinitionProblem? Object(JsonElement node, string at, int depth, ref int count)
    {
        if (!node.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
            return new($"{at}.properties", "invalid_schema", "An object lists its properties (an empty object when it has none).");
        if (!node.TryGetProperty("additionalProperties", out var additional) || additional.ValueKind != JsonValueKind.False)
            return new($"{at}.additionalProperties", "schema_not_strict", "Strict mode needs \"additionalProperties\": false on every object.");
        var required = new HashSet<string>(StringComparer.Ordinal);
        if (node.TryGetProperty("required", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
                return new($"{at}.required", "invalid_schema", "required lists property names.");
            required.UnionWith(list.EnumerateArray().Select(r => r.GetString()!));
        }
        foreach (var property in properties.EnumerateObject())
        {
            if (++count > MaxProperties) return new($"{at}.properties", "schema_too_large", $"Strict schemas have at most {MaxProperties} properties in all.");
            if (!required.Remove(property.Name))
                return new($"{at}.required", "schema_not_strict",
                    $"Strict mode needs every property in required: add \"{property.Name}\" (make it nullable, [\"string\", \"null\"], if it is optional).");
            if (Node(property.Value, $"{at}.properties.{property.Name}", depth + 1, ref count) is { } problem) return problem;
        }
        return required.Count == 0 ? null
            : new($"{at}.required", "invalid_schema", $"required names \"{required.First()}\", which is not a property.");
    }

    private static string[]? TypesOf(JsonElement type)
    {
        string[] names = type.ValueKind switch
        {
            JsonValueKind.String => [type.GetString()!],
            JsonValueKind.Array when type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String) =>
                type.EnumerateArray().Select(t => t.GetString()!).ToArray(),
            _ => [],
        };
        return names.Length > 0 && names.All(Types.Contains) ? names : null;
    }
}
