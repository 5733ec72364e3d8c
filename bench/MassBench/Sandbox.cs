using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.MassBench;

/// <summary>One send the sandbox accepted; <see cref="SentAt"/> is when its request reached the sandbox.</summary>
public sealed record SentItem(string Id, string To, string Type, string? Text, string? CallbackData, DateTimeOffset SentAt);

/// <summary>The Meta sandbox's record of what it received (GET /sandbox/sent), the bench's ground truth.</summary>
public sealed class Sandbox(string baseUrl) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly HttpClient _http = new() { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(5) };

    private sealed record Page(long Total, int Count, List<SentItem> Items);

    /// <summary>Accepted sends of a type ("template": campaigns, "text": one-to-one replies), oldest first.</summary>
    public async Task<IReadOnlyList<SentItem>> SentAsync(string type) =>
        (await _http.GetFromJsonAsync<Page>($"/sandbox/sent?type={type}&limit=1000000", Json))!.Items;

    public async Task<int> CountAsync(string type) =>
        (await _http.GetFromJsonAsync<JsonElement>($"/sandbox/sent/count?type={type}", Json)).GetProperty("count").GetInt32();

    public void Dispose() => _http.Dispose();
}

/// <summary>Percentiles of a sample (nearest rank).</summary>
public static class Stats
{
    public static double Percentile(IReadOnlyList<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string Summary(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? "n=0"
            : $"n={sorted.Count} p50={Percentile(sorted, 0.5):F1} p90={Percentile(sorted, 0.9):F1} p99={Percentile(sorted, 0.99):F1} max={sorted[^1]:F1} ms";
    }
}
