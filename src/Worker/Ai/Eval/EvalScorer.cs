using System.Text.Json;

namespace MultichannelMessages.Worker.Ai.Eval;

/// <summary>A tool call the agent made, as the run recorded it.</summary>
public sealed record EvalToolCall(string Name, JsonElement Arguments, string Status);

/// <summary>
/// Holds what the agent did against what the case expects. Only what the case gives is checked: the action, the handoff
/// reason, tool calls by name with a subset of their arguments, tools that must not be called, a subset of the measures,
/// and texts the customer must or must never receive. Strings compare without case and surrounding blanks, so "Wholesale"
/// and "wholesale" are the same queue.
/// </summary>
public static class EvalScorer
{
    public static IReadOnlyList<EvalToolCall> ToolCalls(string json)
    {
        var calls = new List<EvalToolCall>();
        foreach (var call in JsonDocument.Parse(json).RootElement.EnumerateArray())
        {
            var raw = call.GetProperty("arguments");
            JsonElement arguments;
            try { arguments = raw.ValueKind == JsonValueKind.String ? JsonDocument.Parse(raw.GetString()!).RootElement : raw; }
            catch (JsonException) { arguments = default; }
            calls.Add(new(call.GetProperty("name").GetString()!, arguments, call.GetProperty("status").GetString() ?? ""));
        }
        return calls;
    }

    public static IReadOnlyList<string> Failures(EvalExpectation expect, AiTestOutcome outcome)
    {
        var failures = new List<string>();
        if (outcome.Status != "done")
        {
            failures.Add($"the run failed: {outcome.Error}");
            return failures;
        }
        if (outcome.Action != expect.Action) failures.Add($"action: expected {expect.Action}, got {outcome.Action ?? "none"}");
        if (expect.HandoffReason is { } reason && outcome.HandoffReason != reason)
            failures.Add($"handoff reason: expected {reason}, got {outcome.HandoffReason ?? "none"}");

        var calls = ToolCalls(outcome.ToolCalls);
        foreach (var tool in expect.Tools ?? [])
        {
            var named = calls.Where(c => c.Name == tool.Name).ToList();
            if (named.Count == 0) failures.Add($"tool {tool.Name}: not called" + (calls.Count > 0 ? $" (called {string.Join(", ", calls.Select(c => c.Name))})" : ""));
            else if (!named.Any(c => ArgumentsMatch(tool.Args, c.Arguments)))
                failures.Add($"tool {tool.Name}: arguments {string.Join(" / ", named.Select(c => c.Arguments.ToString()))}, expected {JsonSerializer.Serialize(tool.Args)}");
        }
        foreach (var forbidden in expect.ForbiddenTools ?? [])
            foreach (var call in calls.Where(c => forbidden == "*" || c.Name == forbidden))
                failures.Add($"tool {call.Name}: called, and it must not be ({call.Arguments})");

        if (expect.Measures is { Count: > 0 } measures)
        {
            var got = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(outcome.Measures) ?? [];
            foreach (var (key, value) in measures)
            {
                var actual = got.TryGetValue(key, out var v) ? Text(v) : null;
                if (!Same(actual, value)) failures.Add($"measure {key}: expected {value}, got {actual ?? "none"}");
            }
        }

        var replies = string.Join("\n", outcome.Replies);
        foreach (var text in expect.ReplyContains ?? [])
            if (!replies.Contains(text, StringComparison.OrdinalIgnoreCase)) failures.Add($"reply: does not say \"{text}\"");
        foreach (var text in expect.ReplyExcludes ?? [])
            if (replies.Contains(text, StringComparison.OrdinalIgnoreCase)) failures.Add($"reply: says \"{text}\", and it must not");
        return failures;
    }

    private static bool ArgumentsMatch(Dictionary<string, JsonElement>? expected, JsonElement actual)
    {
        if (expected is null || expected.Count == 0) return true;
        if (actual.ValueKind != JsonValueKind.Object) return false;
        return expected.All(e => actual.TryGetProperty(e.Key, out var value) && Same(Text(value), Text(e.Value)));
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };

    private static bool Same(string? a, string? b) =>
        string.Equals(a?.Trim(), b?.Trim(), StringComparison.OrdinalIgnoreCase);
}
