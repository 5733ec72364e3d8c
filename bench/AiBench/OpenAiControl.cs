using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.AiBench;

/// <summary>The OpenAI sandbox's control API (docs/openai-sandbox.md): the rules that answer the agent, the model's
/// latency (a <c>timeout</c> fault on chat that holds every request, then answers it normally) and scripted transcripts.</summary>
public sealed class OpenAiControl(string baseUrl) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly HttpClient _http = new() { BaseAddress = new Uri(baseUrl) };

    public async Task AddRuleAsync(object rule) =>
        (await _http.PostAsJsonAsync("/sandbox/rules", rule, Json)).EnsureSuccessStatusCode();

    /// <summary>Every chat completion held <paramref name="ms"/> before its answer (0: no latency but the sandbox's own),
    /// and every embedding <paramref name="embeddingMs"/>.</summary>
    public async Task SetChatLatencyAsync(int ms, int embeddingMs = 0)
    {
        (await _http.DeleteAsync("/sandbox/faults")).EnsureSuccessStatusCode();
        if (ms > 0)
            (await _http.PostAsJsonAsync("/sandbox/faults", new { kind = "timeout", endpoint = "chat", delayMs = ms }, Json)).EnsureSuccessStatusCode();
        if (embeddingMs > 0)
            (await _http.PostAsJsonAsync("/sandbox/faults", new { kind = "timeout", endpoint = "embeddings", delayMs = embeddingMs }, Json)).EnsureSuccessStatusCode();
    }

    public async Task ScriptTranscriptAsync(string sha256Hex, string text, string language) =>
        (await _http.PostAsJsonAsync("/sandbox/transcripts", new { sha256 = sha256Hex, text, language }, Json)).EnsureSuccessStatusCode();

    public void Dispose() => _http.Dispose();
}

/// <summary>Customers writing through the Meta sandbox (<c>POST /sandbox/customers/{number}/messages</c>): it opens the
/// window and posts the signed inbound webhook to the Webhook API, as Meta would.</summary>
public sealed class Customers(string metaSandboxUrl) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly HttpClient _http = new() { BaseAddress = new Uri(metaSandboxUrl) };

    public async Task WriteAsync(string from, string text)
    {
        using var response = await _http.PostAsJsonAsync($"/sandbox/customers/{AiDatabase.PhoneNumberId}/messages",
            new { from, name = "Cliente " + from[^4..], type = "text", text }, Json);
        response.EnsureSuccessStatusCode();
    }

    public void Dispose() => _http.Dispose();
}
