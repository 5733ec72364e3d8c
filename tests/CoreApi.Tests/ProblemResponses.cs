using System.Net;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>A refusal as the console reads it: the status, the stable code and the field at fault (null when absent).</summary>
public static class ProblemResponses
{
    public static async Task<(HttpStatusCode Status, string? Code, string? Field)> ProblemOf(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (body.Length == 0 || !body.TrimStart().StartsWith('{')) return (response.StatusCode, null, null);
        var json = JsonDocument.Parse(body).RootElement;
        return (response.StatusCode, json.TryGetProperty("code", out var c) ? c.GetString() : null,
            json.TryGetProperty("field", out var f) ? f.GetString() : null);
    }
}
