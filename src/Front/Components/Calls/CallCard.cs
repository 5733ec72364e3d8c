using System.Text.Json;

namespace MultichannelMessages.Front.Components.Calls;

/// <summary>A call as its thread event shows it: calls.touch's payload (db/functions/470_calls_core.sql), read again
/// each time the call changes.</summary>
public sealed record CallCard(long CallId, string Direction, string State, string? Outcome, string? AcceptedByName, string? StartedByName,
    int? DurationSeconds, string? EndedBy, int? ErrorCode, string? ErrorTitle, bool HasRecording)
{
    public bool Live => State != "ended";

    /// <summary>The customer called and nobody took it: the thread offers to call back.</summary>
    public bool Missed => Direction == "in" && Outcome is "missed";

    /// <summary>What the thread says: the outcome (or the state while it lives), and for a business call the customer
    /// did not pick up, "no answer" — a missed call is the business's own, with a call back.</summary>
    public string OutcomeKey => Direction == "out" && Outcome == "missed" ? "no_answer" : Outcome ?? State;

    public static CallCard? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            var p = JsonDocument.Parse(json).RootElement;
            return new CallCard(
                p.GetProperty("call_id").GetInt64(), Text(p, "direction") ?? "in", Text(p, "state") ?? "ringing", Text(p, "outcome"),
                Text(p, "accepted_by_name"), Text(p, "started_by_name"), Int(p, "duration_seconds"), Text(p, "ended_by"),
                Int(p, "error_code"), Text(p, "error_title"),
                p.TryGetProperty("has_recording", out var r) && r.ValueKind == JsonValueKind.True);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement p, string name) =>
        p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement p, string name) =>
        p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;
}
