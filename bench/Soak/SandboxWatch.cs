using System.Net.Http.Json;
using System.Text.Json;
using MultichannelMessages.MassBench;

namespace MultichannelMessages.Soak;

/// <summary>
/// What reached Meta, read from the Meta sandbox's record (GET /sandbox/sent; SentAt is when each Graph request
/// arrived): polled every sample for the latest sends of each watched number, whose new sends complete the
/// expectations — an agent's reply by its text, an automated answer by the customer it went to (the first send after
/// the customer's message).
/// </summary>
public sealed class SandboxWatch(Uri meta) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly HttpClient _http = new() { BaseAddress = meta, Timeout = TimeSpan.FromMinutes(5) };
    private readonly HashSet<string> _seen = [];
    private readonly List<(string Query, int Limit, Func<SentItem, string?> Key, Expectations Expectations)> _watches = [];

    private sealed record Page(long Total, int Count, List<SentItem> Items);

    /// <param name="query">The sandbox's filter (account_id=…&amp;type=…).</param>
    /// <param name="limit">The latest this many are read each poll: a few times what a sample brings.</param>
    public void Watch(string query, int limit, Func<SentItem, string?> key, Expectations expectations) =>
        _watches.Add((query, limit, key, expectations));

    public async Task PollAsync()
    {
        foreach (var (query, limit, key, expectations) in _watches)
            foreach (var sent in await ListAsync($"{query}&limit={limit}"))
                if (_seen.Add(sent.Id) && key(sent) is { } k)
                    expectations.Complete(k, sent.SentAt);
    }

    /// <summary>Every send the sandbox holds (Sandbox:SentCapacity is set above the soak's volume).</summary>
    public Task<List<SentItem>> AllAsync() => ListAsync("limit=1000000");

    private async Task<List<SentItem>> ListAsync(string query) =>
        (await _http.GetFromJsonAsync<Page>($"/sandbox/sent?{query}", Json))!.Items;

    public void Dispose() => _http.Dispose();
}
