using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MultichannelMessages.Contracts.Auth;
using MultichannelMessages.Contracts.Conversations;

namespace MultichannelMessages.Soak;

/// <summary>
/// A person signed in to the Core API as the console signs in (POST /auth/login; the access token refreshed through
/// /auth/refresh before it expires, as the Front does), answering the support line the way the console makes them:
/// the inbox's first page of that number, a conversation whose last message is the customer's, its thread, the reply
/// (POST …/messages: the message and its outbox row in one transaction), then marked read.
/// </summary>
public sealed class Agent : IDisposable
{
    private static readonly string[] Answers =
    [
        "¡Hola! Lo reviso ahora mismo y te digo.", "Thanks for waiting, I've checked it for you.", "Te acabo de enviar el enlace para el cambio.",
        "Sorry about that — I've reissued the code.", "Perfecto, ya está anotado.", "Yes, we ship there in 3 to 5 working days.",
    ];

    private readonly HttpClient _http;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private TokenResponse _token;
    private DateTimeOffset _refreshAt;

    private Agent(HttpClient http, TokenResponse token)
    {
        _http = http;
        Keep(token);
    }

    public string Email { get; private init; } = "";

    public static async Task<Agent> SignInAsync(Uri core, string email, string password)
    {
        var http = new HttpClient { BaseAddress = core, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.PostAsJsonAsync("/auth/login", new LoginRequest(email, password));
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{email} could not sign in: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return new Agent(http, (await response.Content.ReadFromJsonAsync<TokenResponse>())!) { Email = email };
    }

    /// <summary>The access token, refreshed first once four fifths of its life are gone (the console hub is closed
    /// when the token it connected with expires, and connects again with this one).</summary>
    public async Task<string> TokenAsync()
    {
        if (DateTimeOffset.UtcNow < _refreshAt) return _token.AccessToken;
        await _refresh.WaitAsync();
        try
        {
            if (DateTimeOffset.UtcNow < _refreshAt) return _token.AccessToken;
            using var response = await _http.PostAsJsonAsync("/auth/refresh", new RefreshRequest(_token.RefreshToken));
            response.EnsureSuccessStatusCode();
            Keep((await response.Content.ReadFromJsonAsync<TokenResponse>())!);
            return _token.AccessToken;
        }
        finally { _refresh.Release(); }
    }

    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_token))]
    private void Keep(TokenResponse token)
    {
        var now = DateTimeOffset.UtcNow;
        _refreshAt = now + (token.AccessTokenExpiresAt - now) * 0.8;
        _token = token;
    }

    /// <summary>One reply, timed: the inbox page and the send's answer (Core API), and from the press of send to the
    /// request reaching Meta (<paramref name="replies"/>, matched on the text by the sandbox poll).</summary>
    public async Task ReplyAsync(long n, string run, long projectId, long accountId, Latencies latencies, Expectations replies, SoakCounters counters)
    {
        await TokenAsync();
        var clock = Stopwatch.StartNew();
        var inbox = await GetAsync<Page<ConversationItem>>($"/projects/{projectId}/conversations?accountId={accountId}&limit=50", counters);
        latencies.InboxPage.Add(clock.Elapsed.TotalMilliseconds);
        if (inbox is null || inbox.Items.Length == 0) return;
        var waiting = inbox.Items.Where(c => c.LastMessageDirection == "in").ToArray();
        // n is the soak's reply number (unique across agents: it names the reply and its idempotency key).
        var pick = waiting.Length > 0 ? waiting[n % waiting.Length] : inbox.Items[n % inbox.Items.Length];
        await GetAsync<Page<MessageItem>>($"/conversations/{pick.Id}/messages?limit=30", counters);

        var text = $"{Answers[n % Answers.Length]} (r{run}-{n})";
        replies.Start(text, DateTimeOffset.UtcNow);
        clock.Restart();
        using (var sent = await SendAsync(HttpMethod.Post, $"/conversations/{pick.Id}/messages", JsonContent.Create(new SendRequest(text, $"soak-{run}-{n}"))))
        {
            latencies.SendApi.Add(clock.Elapsed.TotalMilliseconds);
            if (!sent.IsSuccessStatusCode)
            {
                replies.Cancel(text);
                await FailedAsync(sent, counters);
                return;
            }
            Interlocked.Increment(ref counters.RepliesQueued);
        }
        using var read = await SendAsync(HttpMethod.Post, $"/conversations/{pick.Id}/read");
        if (!read.IsSuccessStatusCode) await FailedAsync(read, counters);
    }

    /// <summary>A request whose failure stops the soak (its setup): the answer, or an exception with the problem.</summary>
    public async Task<T> RequestAsync<T>(HttpMethod method, string path, object? body = null)
    {
        await TokenAsync();
        using var response = await SendAsync(method, path, body is null ? null : JsonContent.Create(body));
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{method} {path} as {Email}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }

    private async Task<T?> GetAsync<T>(string path, SoakCounters counters) where T : class
    {
        using var response = await SendAsync(HttpMethod.Get, path);
        if (response.IsSuccessStatusCode) return await response.Content.ReadFromJsonAsync<T>();
        await FailedAsync(response, counters);
        return null;
    }

    private async Task FailedAsync(HttpResponseMessage response, SoakCounters counters)
    {
        if (Interlocked.Increment(ref counters.ApiFailures) <= 5)
            Console.Error.WriteLine($"  Core API {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} ({Email}): " +
                                    $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The token goes on each request, not on the shared client's default headers, which a refresh would
    /// change under requests in flight.</summary>
    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token.AccessToken);
        return _http.SendAsync(request);
    }

    public void Dispose()
    {
        _http.Dispose();
        _refresh.Dispose();
    }
}
