using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>The Core API's clock, moved by the test (the window rule reads it through TimeProvider).</summary>
public sealed class SettableClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>A Core API instance on the host's database whose clock the test moves.</summary>
public sealed class ClockedApi : IAsyncDisposable
{
    private readonly CoreHost _host;
    private readonly WebApplicationFactory<Program> _api;

    public ClockedApi(CoreHost host, DateTimeOffset start)
    {
        _host = host;
        Clock = new SettableClock(start);
        _api = host.NewInstance().WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<TimeProvider>(Clock)));
    }

    public SettableClock Clock { get; }

    public async Task<HttpClient> AsAsync(string email)
    {
        var client = _api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await _host.BearerAsync(email));
        return client;
    }

    public ValueTask DisposeAsync() => _api.DisposeAsync();
}
