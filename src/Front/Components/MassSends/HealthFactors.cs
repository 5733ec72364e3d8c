using System.Text.Json;

namespace MultichannelMessages.Front.Components.MassSends;

/// <summary>One factor of a number's score, as ops.number_health writes it in the breakdown.</summary>
public sealed record HealthFactor(string Code, int Penalty, bool Critical, string? Message);

public static class HealthFactors
{
    /// <summary>The breakdown's factors, the critical and costly ones first; none when there is no snapshot yet.</summary>
    public static IReadOnlyList<HealthFactor> Read(string? breakdown)
    {
        if (string.IsNullOrEmpty(breakdown)) return [];
        using var json = JsonDocument.Parse(breakdown);
        if (!json.RootElement.TryGetProperty("factors", out var factors) || factors.ValueKind != JsonValueKind.Array) return [];
        return factors.EnumerateArray().Select(f => new HealthFactor(
                f.TryGetProperty("code", out var c) ? c.GetString() ?? "" : "",
                f.TryGetProperty("penalty", out var p) && p.ValueKind == JsonValueKind.Number ? (int)Math.Round(p.GetDouble()) : 0,
                f.TryGetProperty("critical", out var k) && k.ValueKind == JsonValueKind.True,
                f.TryGetProperty("message", out var m) ? m.GetString() : null))
            .OrderByDescending(f => f.Critical).ThenByDescending(f => f.Penalty).ToList();
    }
}
