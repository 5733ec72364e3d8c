using System.Text.Json;

namespace MultichannelMessages.Platform.Import;

/// <summary>Reading one record's fields, refusing with a stable reason.</summary>
public sealed partial class GenericRecordParser
{
    private sealed class RecordRefused(string reason, string detail) : Exception(detail)
    {
        public string Reason { get; } = reason;
    }

    private sealed class Record(JsonElement root, long line, string type)
    {
        public JsonElement Root { get; } = root;
        public long Line { get; } = line;
        public string Type { get; } = type;
        public string? SourceId { get; set; }

        public string? Optional(string name)
        {
            if (!Root.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null) return null;
            return p.ValueKind switch
            {
                JsonValueKind.String => p.GetString() is { Length: > 0 } s ? s : null,
                JsonValueKind.Number => p.GetRawText(),
                _ => throw new RecordRefused("invalid_value", $"{name}: a string"),
            };
        }

        public string Required(string name) => Optional(name) ?? throw new RecordRefused("missing_field", name);

        public string? OptionalJson(string name, JsonValueKind kind)
        {
            if (!Root.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null) return null;
            if (p.ValueKind != kind) throw new RecordRefused("invalid_value", $"{name}: a JSON {kind.ToString().ToLowerInvariant()}");
            return p.GetRawText();
        }

        public string RequiredJson(string name, JsonValueKind kind) => OptionalJson(name, kind) ?? throw new RecordRefused("missing_field", name);

        public IReadOnlyList<string> StringArray(string name)
        {
            if (!Root.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null) return [];
            if (p.ValueKind != JsonValueKind.Array) throw new RecordRefused("invalid_value", $"{name}: an array of ids");
            return p.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()).Distinct().ToList();
        }

        public DateTime? OptionalTime(string name)
        {
            if (!Root.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null) return null;
            return Timestamps.Parse(p) ?? throw new RecordRefused("broken_timestamp", $"{name}: {Clip(p.GetRawText())}");
        }

        public DateTime RequiredTime(string name) => OptionalTime(name) ?? throw new RecordRefused("missing_field", name);
    }
}
