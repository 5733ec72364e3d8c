using System.Globalization;
using System.Text.Json;

namespace MultichannelMessages.Platform.Meta.Parsing;

/// <summary>
/// Tolerant readers over a webhook's JSON. Meta's shapes drift between API versions and products, so a
/// field that is missing or of an unexpected kind reads as absent instead of throwing.
/// </summary>
internal static class MetaJson
{
    // Any value above this is taken to be milliseconds: as seconds it would be after the year 5138.
    private const long MillisecondsThreshold = 100_000_000_000;
    private const long MinUnixMs = -62_135_596_800_000;
    private const long MaxUnixMs = 253_402_300_799_999;

    // Cloned so it outlives the document; enumerating it lets callers foreach without checking the kind first.
    private static readonly JsonElement EmptyArray = JsonDocument.Parse("[]").RootElement.Clone();

    /// <summary>The child, or an Undefined element that every other reader here treats as absent.</summary>
    public static JsonElement Prop(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var value) ? value : default;

    public static JsonElement.ArrayEnumerator Items(this JsonElement e, string name)
    {
        var value = e.Prop(name);
        return (value.ValueKind == JsonValueKind.Array ? value : EmptyArray).EnumerateArray();
    }

    public static bool HasItems(this JsonElement e, string name)
    {
        var value = e.Prop(name);
        return value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0;
    }

    public static JsonElement FirstItem(this JsonElement e, string name)
    {
        foreach (var item in e.Items(name))
            return item;
        return default;
    }

    public static bool IsObject(this JsonElement e) => e.ValueKind == JsonValueKind.Object;

    public static string? Str(this JsonElement e, string name) => e.Prop(name).AsString();

    /// <summary>Numbers come back as their JSON text: ids such as message_template_id arrive as numbers.</summary>
    public static string? AsString(this JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText(),
        _ => null,
    };

    public static string Required(this JsonElement e, string name) =>
        e.Str(name) ?? throw new FormatException($"missing {name}");

    public static string? Raw(this JsonElement e, string name)
    {
        var value = e.Prop(name);
        return value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : value.GetRawText();
    }

    public static bool Flag(this JsonElement e, string name) => e.Prop(name).ValueKind == JsonValueKind.True;

    public static int? Int(this JsonElement e, string name)
    {
        var value = e.Prop(name);
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
            return number;
        return value.ValueKind == JsonValueKind.String
            && int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out number)
            ? number
            : null;
    }

    /// <summary>WhatsApp time: a string (sometimes a number) of Unix seconds; a value past 10^11 is milliseconds.</summary>
    public static DateTimeOffset? UnixTime(this JsonElement e, string name)
    {
        if (!TryLong(e.Prop(name), out var value))
            return null;
        if (value > MillisecondsThreshold)
            return FromMillis(value);
        return value < MinUnixMs / 1000 ? null : FromMillis(value * 1000);
    }

    /// <summary>Messenger/Instagram time: always milliseconds, even when small (Meta's own test payloads use 1234567890).</summary>
    public static DateTimeOffset? UnixMillis(this JsonElement e, string name) =>
        TryLong(e.Prop(name), out var value) ? FromMillis(value) : null;

    public static string? NullIfEmpty(this string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static bool TryLong(JsonElement value, out long result)
    {
        result = 0;
        double real;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                if (value.TryGetInt64(out result))
                    return true;
                real = value.GetDouble();
                break;
            case JsonValueKind.String:
                var text = value.GetString();
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out result))
                    return true;
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out real))
                    return false;
                break;
            default:
                return false;
        }
        if (double.IsNaN(real) || real < long.MinValue || real > long.MaxValue)
            return false;
        result = (long)real;
        return true;
    }

    private static DateTimeOffset? FromMillis(long ms) =>
        ms is < MinUnixMs or > MaxUnixMs ? null : DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
