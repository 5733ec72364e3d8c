extern alias Sandbox;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Migrator;
using SandboxProgram = Sandbox::Program;

namespace MultichannelMessages.Worker.Tests.Support;

/// <summary>
/// The Meta sandbox, hosted by the test: in memory (the Worker's HttpClient is wired to its handler) or on a real
/// loopback port (for Worker processes). The demo accounts are registered with the tokens the database holds.
/// </summary>
public sealed class SandboxHost : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly WebApplicationFactory<SandboxProgram> _factory;

    private SandboxHost(WebApplicationFactory<SandboxProgram> factory, HttpClient client, Uri? address) =>
        (_factory, Client, Address) = (factory, client, address);

    /// <summary>The control API (/sandbox/…).</summary>
    public HttpClient Client { get; }

    /// <summary>The loopback address when started with a real port; null in memory.</summary>
    public Uri? Address { get; }

    public HttpMessageHandler CreateHandler() => _factory.Server.CreateHandler();

    public static Task<SandboxHost> StartInMemoryAsync() => StartAsync(realPort: false);

    public static Task<SandboxHost> StartOnLoopbackAsync() => StartAsync(realPort: true);

    private static async Task<SandboxHost> StartAsync(bool realPort)
    {
        var factory = new WebApplicationFactory<SandboxProgram>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Sandbox:WebhookUrl", "");
            b.UseSetting("Sandbox:Statuses:EnforceWindow", "false");
            b.UseSetting("Sandbox:Demo:Enabled", "false");
            b.UseSetting("Logging:LogLevel:Default", "Warning");
        });
        Uri? address = null;
        if (realPort)
        {
            factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            factory.StartServer();
            address = new Uri(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        }
        var client = realPort ? new HttpClient { BaseAddress = address } : factory.CreateClient();
        var host = new SandboxHost(factory, client, address);
        foreach (var account in DemoSeeder.Accounts)
        {
            var response = await client.PostAsJsonAsync("/sandbox/accounts", new
            {
                id = account.ExternalId,
                kind = account.Channel,
                access_token = WorkerDatabase.TokenOf(account.ExternalId),
                waba_id = account.WabaId,
                display_phone_number = account.DisplayPhoneNumber,
                name = account.Name,
            }, Json);
            response.EnsureSuccessStatusCode();
        }
        return host;
    }

    public async Task<FaultView> AddFaultAsync(object fault)
    {
        var response = await Client.PostAsJsonAsync("/sandbox/faults", fault, Json);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<FaultView>(Json))!;
    }

    public async Task<IReadOnlyList<FaultView>> FaultsAsync() =>
        (await Client.GetFromJsonAsync<List<FaultView>>("/sandbox/faults", Json))!;

    /// <summary>Every send the sandbox accepted (optionally filtered, e.g. "to=3461").</summary>
    public async Task<IReadOnlyList<SentItem>> SentAsync(string? query = null) =>
        (await Client.GetFromJsonAsync<SentPage>("/sandbox/sent?limit=1000000" + (query is null ? "" : "&" + query), Json))!.Items;

    public async Task<int> SentCountAsync() =>
        (await Client.GetFromJsonAsync<SentCount>("/sandbox/sent/count", Json))!.Count;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }

    public sealed record SentPage(long Total, int Count, List<SentItem> Items);
    public sealed record SentCount(int Count, long Total);
    public sealed record SentItem(string Id, string AccountId, string To, string Type, string? Text, string? CallbackData, DateTimeOffset SentAt);
    public sealed record FaultView(string Id, string Kind, int? Count, int? Remaining, int Hits);
}
