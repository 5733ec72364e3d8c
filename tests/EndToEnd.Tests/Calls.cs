using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;

namespace MultichannelMessages.EndToEnd.Tests;

/// <summary>What the end-to-end tests do the same way against the real processes: a Core API call that must succeed,
/// what the Meta sandbox sent to someone, and a poll until a read is done.</summary>
public static class Calls
{
    /// <summary>How long a test waits for something the platform does on its own (a push, a send, a webhook's effect).
    /// Generous on purpose: these tests assert what happens, never how fast, and CI runs every test project side by
    /// side on two cores (load averages of 50 were seen, where a push that takes 100 ms alone took over 30 s).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>The next pushed change that matches, within <see cref="Patience"/>; the timeout names what was awaited
    /// and carries the services' last lines.</summary>
    public static async Task<T> NextAsync<T>(ChannelReader<T> changes, Func<T, bool> match, string what, Func<string> diagnostics)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            while (true)
            {
                var change = await changes.ReadAsync(timeout.Token);
                if (match(change)) return change;
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"no push within {Patience.TotalSeconds} s: {what}\n{diagnostics()}");
        }
    }

    /// <summary>The answer's JSON (default when empty); a refusal fails the test with its status and body.</summary>
    public static async Task<JsonElement> OkAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The texts the Meta sandbox received for one recipient, in the order it lists them.</summary>
    public static async Task<string[]> SentToAsync(HttpClient meta, string to) =>
        [.. (await meta.GetFromJsonAsync<JsonElement>($"/sandbox/sent?to={to}")).GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("text").GetString() ?? "")];

    /// <summary>Reads until <paramref name="done"/>, every 250 ms, for at most <paramref name="seconds"/>; the timeout
    /// names what was awaited and carries the services' last lines.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, Func<string> diagnostics, int seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not within {seconds} s: {what}\n{diagnostics()}");
            await Task.Delay(250);
        }
    }
}
