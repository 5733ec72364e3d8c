using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using OpenAI;

namespace MultichannelMessages.OpenAiSandbox.Tests;

/// <summary>
/// The sandbox on a real loopback port (Kestrel, port 0: no fixed port, so test projects run side by side), driven by
/// the real OpenAI SDK pointed at <c>http://127.0.0.1:port/v1</c> the way the Worker will point it at
/// https://api.openai.com/v1. Rules, faults and transcripts are global to a host: every test scopes its own with a
/// marker in its system prompt (<see cref="NewScope"/>) or with one of the extra keys.
/// </summary>
public sealed class OpenAiHost : IAsyncLifetime
{
    public const string Key = "sk-test-sandbox";
    public const string KeyA = "sk-test-scope-a";
    public const string KeyB = "sk-test-scope-b";

    private WebApplicationFactory<Program>? _factory;

    /// <summary>The control API (/sandbox/…).</summary>
    public HttpClient Client { get; private set; } = null!;

    public Uri BaseUrl { get; private set; } = null!;

    public Task InitializeAsync()
    {
        // Indexes past appsettings.json's own key, so the two lists add up.
        var settings = new Dictionary<string, string?>
        {
            ["Sandbox:ApiKeys:10"] = Key,
            ["Sandbox:ApiKeys:11"] = KeyA,
            ["Sandbox:ApiKeys:12"] = KeyB,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            b.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(settings)));
        _factory.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        Client = _factory.CreateClient();
        BaseUrl = Client.BaseAddress!;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_factory is not null)
            await _factory.DisposeAsync();
    }

    /// <summary>An SDK client as the Worker makes one: only the endpoint differs from OpenAI's. A retry count replaces
    /// the SDK's default policy (3 retries) where a test needs to see a single answer.</summary>
    public OpenAIClient OpenAi(string key = Key, int? maxRetries = null, TimeSpan? networkTimeout = null) =>
        new(new ApiKeyCredential(key), new OpenAIClientOptions
        {
            Endpoint = new Uri(BaseUrl, "v1"),
            RetryPolicy = maxRetries is { } retries ? new ClientRetryPolicy(retries) : null,
            NetworkTimeout = networkTimeout,
        });

    /// <summary>A marker to put in a system prompt: rules and faults scoped to it touch this test's requests only.</summary>
    public static string NewScope() => "scope-" + Guid.NewGuid().ToString("N")[..12];

    public async Task<string> AddRuleAsync(object rule)
    {
        using var response = await Client.PostAsJsonAsync("/sandbox/rules", rule);
        var json = await JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.Created, json.ToString());
        return json.GetProperty("id").GetString()!;
    }

    public async Task AddFaultAsync(object fault)
    {
        using var response = await Client.PostAsJsonAsync("/sandbox/faults", fault);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The requests of one scope, newest first.</summary>
    public async Task<JsonElement> RequestsAsync(string scope, string? endpoint = null) =>
        await JsonAsync(await Client.GetAsync($"/sandbox/requests?scope={Uri.EscapeDataString(scope)}&endpoint={endpoint}&limit=100"));

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync()).RootElement;
}
