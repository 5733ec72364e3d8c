extern alias OpenAiSandbox;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using OpenAiSandboxProgram = OpenAiSandbox::Program;

namespace MultichannelMessages.Worker.Tests.Support;

/// <summary>
/// The OpenAI sandbox on a real loopback port, which the Worker reaches with its real OpenAI SDK through the provider's
/// base URL (bot.ai_providers), exactly as it reaches api.openai.com. Faults and rules are global to a host, so each test
/// uses its own API key (<see cref="NewKey"/>) and scopes its faults and rules to it.
/// </summary>
public sealed class OpenAiSandboxHost : IAsyncLifetime
{
    private const int Keys = 40;
    private int _next;
    private WebApplicationFactory<OpenAiSandboxProgram>? _factory;

    /// <summary>The control API (/sandbox/…).</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>What a provider's base_url holds: http://127.0.0.1:port/v1.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>A key this sandbox accepts that no other test on it uses (a test class has one sandbox).</summary>
    public string NewKey() => "sk-worker-test-" + (Interlocked.Increment(ref _next) % Keys);

    public Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" };
        for (var i = 0; i < Keys; i++) settings[$"Sandbox:ApiKeys:{10 + i}"] = "sk-worker-test-" + i;
        _factory = new WebApplicationFactory<OpenAiSandboxProgram>().WithWebHostBuilder(b =>
            b.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(settings)));
        _factory.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        Client = _factory.CreateClient();
        BaseUrl = new Uri(Client.BaseAddress!, "v1").ToString();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_factory is not null) await _factory.DisposeAsync();
    }

    public async Task AddRuleAsync(object rule)
    {
        using var response = await Client.PostAsJsonAsync("/sandbox/rules", rule);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    public async Task AddFaultAsync(object fault)
    {
        using var response = await Client.PostAsJsonAsync("/sandbox/faults", fault);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The requests made with one key, newest first.</summary>
    public async Task<JsonElement[]> RequestsAsync(string key, string? endpoint = null)
    {
        using var response = await Client.GetAsync($"/sandbox/requests?scope={Uri.EscapeDataString(key)}&endpoint={endpoint}&limit=100");
        var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync()).RootElement;
        return (json.ValueKind == JsonValueKind.Array ? json : json.GetProperty("requests")).EnumerateArray().ToArray();
    }
}
