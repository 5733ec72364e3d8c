using System.Text.Json;
using System.Text.Json.Nodes;
using MultichannelMessages.OpenAiSandbox.Errors;

namespace MultichannelMessages.OpenAiSandbox.Apis;

/// <summary>Reading a request body member by member, refusing with OpenAI's words and the member's path.</summary>
internal static class Json
{
    /// <summary>For JSON written into a completion's content or arguments: non-ASCII as is, as a model writes it.</summary>
    public static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonElement? Member(this JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value : null;

    public static string? OptionalString(this JsonElement obj, string name, string param) => obj.Member(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        _ => throw new OpenAiRefusal(OpenAiErrors.InvalidType(param, "a string")),
    };

    public static string RequiredString(this JsonElement obj, string name, string param) =>
        obj.OptionalString(name, param) ?? throw new OpenAiRefusal(OpenAiErrors.Missing(param));

    public static bool? OptionalBool(this JsonElement obj, string name, string param) => obj.Member(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw new OpenAiRefusal(OpenAiErrors.InvalidType(param, "a boolean")),
    };

    public static double? OptionalNumber(this JsonElement obj, string name, string param) => obj.Member(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value => value.GetDouble(),
        _ => throw new OpenAiRefusal(OpenAiErrors.InvalidType(param, "a number")),
    };

    /// <summary>An integer at least <paramref name="minimum"/>, refused as OpenAI words it otherwise.</summary>
    public static int? OptionalInteger(this JsonElement obj, string name, int minimum, int maximum = int.MaxValue)
    {
        if (obj.Member(name) is not { } value)
            return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
            throw new OpenAiRefusal(OpenAiErrors.InvalidType(name, "an integer"));
        if (number < minimum)
            throw new OpenAiRefusal(OpenAiErrors.InvalidValue(name,
                $"Invalid '{name}': integer below minimum value. Expected a value >= {minimum}, but got {number} instead.", "integer_below_min_value"));
        if (number > maximum)
            throw new OpenAiRefusal(OpenAiErrors.InvalidValue(name,
                $"Invalid '{name}': integer above maximum value. Expected a value <= {maximum}, but got {number} instead.", "integer_above_max_value"));
        return number;
    }

    public static JsonElement.ArrayEnumerator Array(this JsonElement value, string param) =>
        value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : throw new OpenAiRefusal(OpenAiErrors.InvalidType(param, "an array"));

    public static void RequireObject(this JsonElement value, string param)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new OpenAiRefusal(OpenAiErrors.InvalidType(param, "an object"));
    }

    /// <summary>A copy of <paramref name="node"/> with every string value passed through <paramref name="map"/>.</summary>
    public static JsonNode? MapStrings(JsonNode? node, Func<string, string> map) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, MapStrings(p.Value, map)))),
        JsonArray array => new JsonArray([.. array.Select(item => MapStrings(item, map))]),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => JsonValue.Create(map(value.GetValue<string>())),
        _ => node?.DeepClone(),
    };
}
