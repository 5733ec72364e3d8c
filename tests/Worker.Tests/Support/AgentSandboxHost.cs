extern alias OpenAiSandbox;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using OpenAiProgram = OpenAiSandbox::Program;

namespace MultichannelMessages.Worker.Tests.Support;

/// <summary>
/// The OpenAI sandbox on a real loopback port (port 0), so the Worker's real OpenAI SDK reaches it over HTTP exactly as
/// it reaches a provider's base URL. Each test scopes its rules with a marker in its agent's instructions.
/// </summary>
public sealed class AgentSandboxHost : IAsyncDisposable
{
    public const string Key = "sk-test-worker";
    private readonly WebApplicationFactory<OpenAiProgram> _factory;

    private AgentSandboxHost(WebApplicationFactory<OpenAiProgram> factory, HttpClient client) => (_factory, Client) = (factory, client);

    /// <summary>The control API (/sandbox/…).</summary>
    public HttpClient Client { get; }

    /// <summary>What a project's provider base URL is set to: http://127.0.0.1:port/v1.</summary>
    public string BaseUrl => new Uri(Client.BaseAddress!, "v1").ToString();

    public static AgentSandboxHost Start()
    {
        var factory = new WebApplicationFactory<OpenAiProgram>().WithWebHostBuilder(b => b.ConfigureAppConfiguration((_, config) =>
            config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Sandbox:ApiKeys:10"] = Key,
                ["Logging:LogLevel:Default"] = "Warning",
            })));
        factory.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        return new AgentSandboxHost(factory, factory.CreateClient());
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

    /// <summary>The chat requests of one scope, newest first (their bodies as sent).</summary>
    public async Task<List<JsonElement>> ChatRequestsAsync(string scope)
    {
        var json = JsonDocument.Parse(await Client.GetStringAsync($"/sandbox/requests?scope={Uri.EscapeDataString(scope)}&endpoint=chat&limit=100")).RootElement;
        var items = json.ValueKind == JsonValueKind.Array ? json : json.GetProperty("items");
        return [.. items.EnumerateArray()];
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }
}
