using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MultichannelMessages.Front.Auth;

namespace MultichannelMessages.Front.CoreApi;

/// <summary>
/// The console's only way to data: the Core API over HTTP, with the user's access token (refreshed by
/// <see cref="UserSession"/>). Refusals come back as <see cref="CoreApiException"/> carrying the API's code.
/// </summary>
public sealed partial class CoreApiClient(HttpClient http, UserSession session)
{
    public const string Name = "core";

    public static async Task<TokenResponse> LoginAsync(HttpClient anonymous, string email, string password, CancellationToken ct)
    {
        using var response = await Guard(() => anonymous.PostAsJsonAsync("auth/login", new LoginRequest(email, password), ct));
        await ThrowIfRefusedAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<TokenResponse>(ct))!;
    }

    /// <summary>At sign-in, before the session exists: the user's saved preferences (null when unavailable).</summary>
    public static async Task<Profile?> PreferencesAsync(HttpClient anonymous, string accessToken, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        try
        {
            using var response = await anonymous.SendAsync(request, ct);
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<Profile>(ct) : null;
        }
        catch (HttpRequestException) { return null; }
    }

    public Task<Profile> ProfileAsync(CancellationToken ct = default) => GetAsync<Profile>("me", ct);

    public Task SavePreferencesAsync(string? language, string? theme, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, "me/preferences", new PreferencesRequest(language, theme), ct);

    public Task<QueueItem[]> QueuesAsync(long projectId, CancellationToken ct = default) => GetAsync<QueueItem[]>($"projects/{projectId}/queues", ct);

    public Task<Page<ConversationItem>> ConversationsAsync(long projectId, ListFilter filter, string? before, CancellationToken ct = default) =>
        GetAsync<Page<ConversationItem>>($"projects/{projectId}/conversations?{filter.Query()}&limit=50"
            + (before is null ? "" : "&before=" + Uri.EscapeDataString(before)), ct);

    public Task<ConversationItem[]> PinnedAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<ConversationItem[]>($"projects/{projectId}/pins", ct);

    public Task<ConversationItem[]> SearchAsync(long projectId, string text, CancellationToken ct = default) =>
        GetAsync<ConversationItem[]>($"projects/{projectId}/conversations/search?q={Uri.EscapeDataString(text)}", ct);

    public Task<Page<MessageItem>> ThreadAsync(long conversationId, string? before, CancellationToken ct = default) =>
        GetAsync<Page<MessageItem>>($"conversations/{conversationId}/messages?limit=50"
            + (before is null ? "" : "&before=" + Uri.EscapeDataString(before)), ct);

    /// <summary>One message as the thread shows it (a bubble whose media became ready).</summary>
    public Task<MessageItem> MessageAsync(long conversationId, long messageId, CancellationToken ct = default) =>
        GetAsync<MessageItem>($"conversations/{conversationId}/messages/{messageId}", ct);

    public Task<ContactContext> ContextAsync(long conversationId, CancellationToken ct = default) =>
        GetAsync<ContactContext>($"conversations/{conversationId}/context", ct);

    public Task<SendResponse> SendTextAsync(long conversationId, string text, string clientMessageId, CancellationToken ct = default) =>
        SendAsync<SendResponse>(HttpMethod.Post, $"conversations/{conversationId}/messages", new SendRequest(text, clientMessageId), ct);

    public Task<SendResponse> RetryAsync(long conversationId, long messageId, CancellationToken ct = default) =>
        SendAsync<SendResponse>(HttpMethod.Post, $"conversations/{conversationId}/messages/{messageId}/retry", null, ct);

    public Task MarkReadAsync(long conversationId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"conversations/{conversationId}/read", null, ct);

    public Task SetPinAsync(long conversationId, bool pinned, CancellationToken ct = default) =>
        SendAsync(pinned ? HttpMethod.Put : HttpMethod.Delete, $"conversations/{conversationId}/pin", null, ct);

    public Task<Heartbeat[]> WorkersAsync(long projectId, CancellationToken ct = default) => GetAsync<Heartbeat[]>($"projects/{projectId}/ops/workers", ct);

    public Task<DeadLetter[]> DeadLettersAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<DeadLetter[]>($"projects/{projectId}/dead-letters?limit=100", ct);

    private async Task<T> GetAsync<T>(string path, CancellationToken ct)
    {
        using var response = await RequestAsync(HttpMethod.Get, path, null, ct);
        return (await response.Content.ReadFromJsonAsync<T>(ct))!;
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var response = await RequestAsync(method, path, body, ct);
        return (await response.Content.ReadFromJsonAsync<T>(ct))!;
    }

    private async Task SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var response = await RequestAsync(method, path, body, ct);
    }

    private async Task<HttpResponseMessage> RequestAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        var token = await session.AccessTokenAsync(ct) ?? throw CoreApiException.SignedOut();
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // A body that is already content (an audience file's stream, a price table's CSV) goes as it is; anything else as JSON.
        if (body is not null) request.Content = body as HttpContent ?? JsonContent.Create(body);
        var response = await Guard(() => http.SendAsync(request, ct));
        if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            await session.ForgetAsync();
            throw CoreApiException.SignedOut();
        }
        try
        {
            await ThrowIfRefusedAsync(response, ct);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static async Task<HttpResponseMessage> Guard(Func<Task<HttpResponseMessage>> call)
    {
        try { return await call(); }
        catch (HttpRequestException ex) { throw CoreApiException.Unreachable(ex); }
    }

    private static async Task ThrowIfRefusedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        string code = "http_" + (int)response.StatusCode, detail = response.ReasonPhrase ?? "";
        string? field = null;
        JsonElement? body = null;
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            body = problem;
            if (problem.TryGetProperty("code", out var c) && c.GetString() is { } given) code = given;
            if (problem.TryGetProperty("detail", out var d) && d.GetString() is { } sentence) detail = sentence;
            if (problem.TryGetProperty("field", out var f) && f.ValueKind == JsonValueKind.String) field = f.GetString();
        }
        catch (JsonException) { }
        throw new CoreApiException((int)response.StatusCode, code, detail, field) { Problem = body };
    }
}
