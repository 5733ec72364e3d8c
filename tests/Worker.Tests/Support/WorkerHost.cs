using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Tests.Support;

/// <summary>A Worker in memory on a test database, its Graph client wired to an in-memory sandbox.</summary>
public sealed class WorkerHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    private WorkerHost(WebApplicationFactory<Program> factory) => _factory = factory;

    public IServiceProvider Services => _factory.Services;

    /// <summary>Settings fast enough for tests: short polls, short backoff, a beat every second.</summary>
    public static WorkerHost Start(WorkerDatabase db, SandboxHost sandbox, params (string Key, string Value)[] settings) =>
        Start(db, sandbox, realFetcher: false, settings);

    /// <param name="realFetcher">The SSRF-safe fetcher over real sockets (an AI tool calling a loopback server named in
    /// Fetch:AllowedEndpoints) instead of wired to the in-memory sandbox.</param>
    public static WorkerHost Start(WorkerDatabase db, SandboxHost sandbox, bool realFetcher, params (string Key, string Value)[] settings) =>
        Start(db, sandbox, realFetcher, null, settings);

    /// <param name="wrapGraph">Puts a handler in front of the sandbox on the Graph client's path (Meta failing in a way
    /// the sandbox has no fault for, e.g. a 503 to a call's pre_accept).</param>
    public static WorkerHost Start(WorkerDatabase db, SandboxHost sandbox, Func<HttpMessageHandler, HttpMessageHandler> wrapGraph,
        params (string Key, string Value)[] settings) => Start(db, sandbox, false, wrapGraph, settings);

    private static WorkerHost Start(WorkerDatabase db, SandboxHost sandbox, bool realFetcher, Func<HttpMessageHandler, HttpMessageHandler>? wrapGraph,
        (string Key, string Value)[] settings)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Database:ConnectionString", db.ConnectionString);
            b.UseSetting("Secrets:MasterKey", WorkerDatabase.MasterKey);
            b.UseSetting("Graph:BaseAddress", "http://sandbox.test");
            b.UseSetting("Outbox:PollIntervalMs", "50");
            b.UseSetting("Outbox:RetryBaseDelayMs", "100");
            b.UseSetting("Heartbeats:IntervalSeconds", "1");
            b.UseSetting("Media:Root", Path.Combine(Path.GetTempPath(), "mm-worker-media-" + Guid.NewGuid().ToString("N")));
            b.UseSetting("MediaDownloads:PollIntervalMs", "100");
            b.UseSetting("MediaDownloads:RetryBaseDelayMs", "100");
            foreach (var (key, value) in settings) b.UseSetting(key, value);
            b.ConfigureTestServices(services =>
            {
                services.AddHttpClient<GraphTransport>().ConfigurePrimaryHttpMessageHandler(
                    () => wrapGraph is null ? sandbox.CreateHandler() : wrapGraph(sandbox.CreateHandler()));
                // The media node points downloads at the in-memory sandbox, which has no address to check; the
                // connect-time address check is tested over real sockets (Platform.Tests/Net, EndToEnd attachment tests).
                if (!realFetcher)
                    services.AddHttpClient<MultichannelMessages.Platform.Net.SafeFetcher>().ConfigurePrimaryHttpMessageHandler(sandbox.CreateHandler);
            });
        });
        _ = factory.Services; // builds and starts the host: the pump begins at once
        return new WorkerHost(factory);
    }

    public HttpClient CreateClient() => _factory.CreateClient();

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();
}

public static class Eventually
{
    /// <summary>Polls until the condition holds; fails with the message after the timeout.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string because)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within {timeout.TotalSeconds} s: {because}");
            await Task.Delay(50);
        }
    }
}
