using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Worker.Extensions;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Media;
using MultichannelMessages.Worker.Templates;

namespace MultichannelMessages.Worker.Tests.Graph;

/// <summary>
/// The one Graph transport, as the Worker wires it (<see cref="WorkerExtensions.AddGraphClient"/>: resilience
/// pipeline included), against a scripted Meta host on a real loopback socket: one attempt per call whatever the
/// answer, what is in doubt and what certainly never left, Meta's envelope read the same way by every client, and the
/// circuit breaker that opens on host failures only.
/// </summary>
public sealed class GraphTransportTests : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, int> _hits = new();
    private WebApplication _meta = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _meta = builder.Build();
        _meta.Run(async context =>
        {
            var path = context.Request.Path.Value!;
            _hits.AddOrUpdate(path, 1, (_, n) => n + 1);
            await context.Request.Body.CopyToAsync(Stream.Null);
            var account = path.Split('/')[2];
            switch (account)
            {
                case "ok":
                    await context.Response.WriteAsJsonAsync(new { messages = new[] { new { id = "wamid.OK" } }, id = "media-1" });
                    break;
                case "down":
                    context.Response.StatusCode = 503;
                    await context.Response.WriteAsync("Service Unavailable");
                    break;
                case "slow":
                    await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted).ContinueWith(_ => { });
                    break;
                case "drop":
                    context.Abort(); // the request arrived; the connection breaks before any answer
                    break;
                default: // Meta's envelope for a bad parameter
                    context.Response.StatusCode = 400;
                    await context.Response.WriteAsJsonAsync(JsonNode.Parse("""
                        {"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,
                         "error_data":{"details":"Param to is not a valid phone number"},"fbtrace_id":"A1"}}
                        """));
                    break;
            }
        });
        await _meta.StartAsync();
        _address = new Uri(_meta.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync() => await _meta.DisposeAsync();

    private IServiceProvider Worker(string? baseAddress = null, params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration["Graph:BaseAddress"] = baseAddress ?? _address.ToString();
        // Long enough for a cold first request on two busy cores (CI once took over a second for the 503); the test of
        // the timeout itself sets 1 s against a host that answers after 5.
        builder.Configuration["Graph:TimeoutSeconds"] = "10";
        foreach (var (key, value) in settings) builder.Configuration[key] = value;
        builder.AddGraphClient();
        return builder.Build().Services;
    }

    private static OutboundMessage Text(string account) =>
        new("whatsapp", account, "34600000001", "text", "hello", null);

    private int Hits(string account) => _hits.Where(h => h.Key.Split('/')[2] == account).Sum(h => h.Value);

    [Fact]
    public async Task A_send_is_one_request_even_when_the_host_answers_5xx()
    {
        var graph = Worker().GetRequiredService<GraphClient>();

        var failed = await graph.SendAsync(Text("down"), "token", CancellationToken.None);
        var sent = await graph.SendAsync(Text("ok"), "token", CancellationToken.None);

        Assert.Equal(503, failed.Error!.HttpStatus);
        Assert.Equal(MetaErrorSource.Response, failed.Error.Source);
        Assert.Equal(1, Hits("down")); // no retry under the queue's own
        Assert.Equal("wamid.OK", sent.ProviderMessageId); // control: the same path succeeds when the host does
        Assert.Equal(1, Hits("ok"));
    }

    [Fact]
    public async Task No_answer_in_time_is_in_doubt()
    {
        var graph = Worker(null, ("Graph:TimeoutSeconds", "1")).GetRequiredService<GraphClient>();

        var result = await graph.SendAsync(Text("slow"), "token", CancellationToken.None);

        Assert.Equal(MetaErrorSource.Timeout, result.Error!.Source);
        Assert.True(result.Error.OutcomeUnknown);
        Assert.Equal(1, Hits("slow"));
    }

    [Fact]
    public async Task A_connection_broken_after_the_request_is_in_doubt()
    {
        var graph = Worker().GetRequiredService<GraphClient>();

        var result = await graph.SendAsync(Text("drop"), "token", CancellationToken.None);

        Assert.Equal(MetaErrorSource.Interrupted, result.Error!.Source);
        Assert.True(result.Error.OutcomeUnknown);
        Assert.Equal(1, Hits("drop"));
    }

    [Fact]
    public async Task No_connection_means_the_request_never_left()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closed = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        var graph = Worker($"http://127.0.0.1:{closed}/").GetRequiredService<GraphClient>();

        var result = await graph.SendAsync(Text("ok"), "token", CancellationToken.None);

        Assert.Equal(MetaErrorSource.Network, result.Error!.Source);
        Assert.False(result.Error.OutcomeUnknown);
    }

    [Fact]
    public async Task Every_client_reads_Metas_error_envelope_the_same_way()
    {
        var services = Worker();
        var send = await services.GetRequiredService<GraphClient>().SendAsync(Text("bad"), "token", CancellationToken.None);
        var template = await services.GetRequiredService<TemplateGraphClient>().CreateAsync("bad", new JsonObject { ["name"] = "x" }, "token", CancellationToken.None);
        var (node, media) = await services.GetRequiredService<MediaGraphClient>().GetNodeAsync("bad", "token", CancellationToken.None);

        Assert.Null(node);
        foreach (var error in new[] { send.Error!, template.Error!, media! })
        {
            Assert.Equal((400, 100, "Invalid parameter", "Param to is not a valid phone number"), (error.HttpStatus, error.Code, error.Title, error.Details));
            Assert.True(MetaErrorClassifier.Classify(error).IsPermanent);
        }
        // Control: the same clients succeed against a host that accepts.
        var (okNode, okError) = await services.GetRequiredService<MediaGraphClient>().UploadAsync("ok", new MemoryStream([1, 2, 3]), 3,
            "image/png", "a.png", "token", TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Null(okError);
        Assert.Equal("media-1", okNode);
    }

    [Fact]
    public async Task Repeated_host_failures_open_the_breaker_and_calls_then_fail_without_leaving()
    {
        var services = Worker(null, ("Graph:CircuitMinimumThroughput", "3"), ("Graph:CircuitFailureRatio", "0.5"), ("Graph:CircuitBreakSeconds", "2"));
        var graph = services.GetRequiredService<GraphClient>();
        var circuits = services.GetRequiredService<GraphCircuits>();

        for (var i = 0; i < 3; i++) await graph.SendAsync(Text("down"), "token", CancellationToken.None);
        var paused = await graph.SendAsync(Text("ok"), "token", CancellationToken.None);

        Assert.Equal(3, Hits("down"));
        Assert.Equal(0, Hits("ok")); // the paused call never reached the host
        Assert.Equal(MetaErrorSource.CircuitOpen, paused.Error!.Source);
        Assert.False(paused.Error.OutcomeUnknown);
        Assert.False(MetaErrorClassifier.Classify(paused.Error).IsPermanent);
        Assert.True(circuits.IsOpen(_address.Authority, out var retryIn));
        Assert.True(retryIn > TimeSpan.Zero);
        var snapshot = Assert.Single(circuits.Snapshot());
        Assert.Equal(("open", 1L, "HTTP 503"), (snapshot.State, snapshot.TimesOpened, snapshot.LastFailure));

        // After the break, one probe goes through; its success closes the breaker.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var probe = await graph.SendAsync(Text("ok"), "token", CancellationToken.None);
        Assert.Equal("wamid.OK", probe.ProviderMessageId);
        Assert.False(circuits.IsOpen(_address.Authority, out _));
        Assert.Equal("closed", circuits.Snapshot().Single().State);
    }

    [Fact]
    public async Task Metas_refusals_never_open_the_breaker()
    {
        var services = Worker(null, ("Graph:CircuitMinimumThroughput", "3"), ("Graph:CircuitFailureRatio", "0.5"), ("Graph:CircuitBreakSeconds", "30"));
        var graph = services.GetRequiredService<GraphClient>();

        for (var i = 0; i < 10; i++) await graph.SendAsync(Text("bad"), "token", CancellationToken.None);
        var after = await graph.SendAsync(Text("ok"), "token", CancellationToken.None);

        Assert.Equal(10, Hits("bad"));
        Assert.Equal("wamid.OK", after.ProviderMessageId);
        Assert.Empty(services.GetRequiredService<GraphCircuits>().Snapshot());
    }
}
