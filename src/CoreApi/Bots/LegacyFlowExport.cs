using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MultichannelMessages.CoreApi.Bots;

// The legacy chatbot system's export (docs/chatbots-legacy-import.md): what the file holds, as read. Everything is
// optional here: FlowImport reports what is missing instead of refusing the file.

public sealed record LegacyExport(int? SchemaVersion, DateTimeOffset? ExportedAt, LegacyFlow?[]? Flows);

public sealed record LegacyFlow(string? Id, string? Name, string? Channel, string[]? Channels, string? Language, string? StartNodeId,
    int? TimeoutMinutes, string? TimeoutMessage, LegacyNode?[]? Nodes);

public sealed record LegacyNode(string? Id, string? Kind, string? Text, string? MediaUrl, string? MediaType, string? Goto,
    LegacyOption?[]? Options, string? ButtonText, string? Validation, string? Variable, string? InvalidText, int? MaxAttempts,
    string? OnInvalid, LegacyRoute?[]? Routes, LegacyRule?[]? Rules, string? Else, string? Value, string? Scope, string? Template,
    string? Language, Dictionary<string, string?>? Params, int? Seconds, string? Queue, bool? Resolve, string? Assistant);

public sealed record LegacyOption(string? Key, string? Label, string? Description, string?[]? Keywords, string? Goto);

public sealed record LegacyRoute(string? Name, string?[]? Keywords, string? Goto);

public sealed record LegacyRule(string? Variable, string? ContactField, string? Channel, bool? BusinessHours, string? Operator, string? Value,
    string? Goto);

/// <summary>One legacy flow of the file with the SHA-256 of its canonical JSON (keys sorted, no spaces): the same flow
/// exported again, whatever the key order or the export's date, hashes the same, so a second import changes nothing.</summary>
public sealed record LegacyFlowEntry(int Index, LegacyFlow Flow, string Sha256);

/// <summary>Why the file was refused as a whole: its code, the JSON path at fault and a sentence with the line.</summary>
public sealed record LegacyExportError(string Code, string Field, string Detail);

public static class LegacyFlowExport
{
    public const int SchemaVersion = 1;

    // Legacy systems write ids, keys and values as numbers as often as strings ("id": 12, "key": 1): both read as text.
    private static readonly JsonSerializerOptions Options = new(JsonSerializerOptions.Web) { Converters = { new LooseString() } };

    public static (LegacyFlowEntry[]? Flows, LegacyExportError? Error) Read(ReadOnlyMemory<byte> body)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(body); }
        catch (JsonException e) { return (null, Malformed(e)); }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return (null, new("invalid_export", "$", """The export is one JSON object: {"schemaVersion": 1, "flows": […]}."""));
            LegacyExport export;
            try { export = JsonSerializer.Deserialize<LegacyExport>(body.Span, Options)!; }
            catch (JsonException e) { return (null, Malformed(e)); }
            if (export.SchemaVersion != SchemaVersion)
                return (null, new("unsupported_schema_version", "schemaVersion",
                    $"This import reads schemaVersion {SchemaVersion}; the file says {export.SchemaVersion?.ToString() ?? "nothing"}."));
            if (export.Flows is not { Length: > 0 } flows || !document.RootElement.TryGetProperty("flows", out var raw))
                return (null, new("invalid_export", "flows", "The export lists no flows."));
            var entries = new List<LegacyFlowEntry>();
            var i = 0;
            foreach (var element in raw.EnumerateArray())
            {
                if (flows[i] is { } flow) entries.Add(new(i, flow, Sha256(element)));
                else return (null, new("invalid_export", $"flows[{i}]", $"flows[{i}] is empty: remove it."));
                i++;
            }
            return ([.. entries], null);
        }
    }

    private static LegacyExportError Malformed(JsonException e)
    {
        var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "$" : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path;
        var at = e.LineNumber is { } line ? $"Line {line + 1}, position {e.BytePositionInLine + 1}" : "The file";
        var what = e.Path is null ? "is not valid JSON" : $"has a value of the wrong kind at {field}";
        return new("invalid_json", field, $"{at} {what}.");
    }

    public static string Sha256(JsonElement element)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) Canonical(element, writer);
        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    private static void Canonical(JsonElement element, Utf8JsonWriter writer)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Canonical(property.Value, writer);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray()) Canonical(item, writer);
                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private sealed class LooseString : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
            JsonTokenType.True => "true",
            JsonTokenType.False => "false",
            JsonTokenType.Null => null,
            _ => throw new JsonException("Expected a string."),
        };

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
