using System.Text.Json;
using MultichannelMessages.Contracts.Ai;

namespace MultichannelMessages.Front.Components.Ai;

/// <summary>
/// A test run's JSON parts as the test chat shows them. The run's columns are JSON text written by the Worker; an unknown
/// or malformed shape still shows, as its text, rather than failing the tab.
/// </summary>
public static class TestRunView
{
    public sealed record ToolCall(string Name, string Arguments, string Result);

    public static IReadOnlyList<ToolCall> ToolCalls(AiTestRun run) =>
        Parse(run.ToolCalls) is { ValueKind: JsonValueKind.Array } calls
            ? [.. calls.EnumerateArray().Select(c => c.ValueKind == JsonValueKind.Object
                ? new ToolCall(Prop(c, "name"), Raw(c, "arguments"), Raw(c, "result"))
                : new ToolCall(Text(c), "", ""))]
            : [];

    public static IReadOnlyList<(string Key, string Value)> Measures(AiTestRun run) =>
        Parse(run.Measures) is { ValueKind: JsonValueKind.Object } measures
            ? [.. measures.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null).Select(p => (p.Name, Text(p.Value)))]
            : [];

    public static IReadOnlyList<string> Citations(AiTestRun run) =>
        Parse(run.Citations) is { ValueKind: JsonValueKind.Array } citations ? [.. citations.EnumerateArray().Select(Text)] : [];

    private static string Prop(JsonElement o, string name) => o.TryGetProperty(name, out var v) ? Text(v) : "";

    /// <summary>Arguments and results as the tool saw them: a string as it is, anything else as its JSON.</summary>
    private static string Raw(JsonElement o, string name) => !o.TryGetProperty(name, out var v) ? ""
        : v.ValueKind switch { JsonValueKind.String => v.GetString() ?? "", JsonValueKind.Null => "", _ => v.GetRawText() };

    /// <summary>A JSON value in one line: a string as it is, a number as a passage id, an object as key: value pairs.</summary>
    public static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Number => "#" + value.GetRawText(),
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        JsonValueKind.Object when value.EnumerateObject().All(p => p.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)) =>
            string.Join(" · ", value.EnumerateObject().Select(p => $"{p.Name}: {(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())}")),
        _ => value.GetRawText(),
    };

    private static JsonElement? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try { return JsonDocument.Parse(json).RootElement.Clone(); }
        catch (JsonException) { return null; }
    }
}
