using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;

namespace MultichannelMessages.TestSupport;

/// <summary>
/// A real reverse proxy (YARP) in front of several instances of one service, as an operator runs them: round robin,
/// an active health check on /health every second (a killed instance leaves the rotation within about two seconds;
/// until then its requests fail with 502, which clients retry), and optionally sticky sessions by cookie (Blazor
/// Server's circuits live in one instance's memory).
/// </summary>
public sealed class ReverseProxy : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ReverseProxy(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The response header naming the instance that answered (its index in the list given to StartAsync).</summary>
    public const string InstanceHeader = "X-Mm-Instance";

    public static async Task<ReverseProxy> StartAsync(IReadOnlyList<Uri> instances, bool sticky = false)
    {
        var address = new Uri($"http://127.0.0.1:{ServiceProcess.FreePort()}");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(address.ToString());
        builder.Logging.ClearProviders(); // a killed instance's 502s are expected here; the test reads outcomes, not logs
        var cluster = new ClusterConfig
        {
            ClusterId = "instances",
            LoadBalancingPolicy = "RoundRobin",
            Destinations = instances.Select((uri, i) => (uri, i)).ToDictionary(d => $"instance-{d.i}", d => new DestinationConfig { Address = d.uri.ToString() }),
            HealthCheck = new HealthCheckConfig
            {
                Active = new ActiveHealthCheckConfig { Enabled = true, Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(1), Path = "/health", Policy = "ConsecutiveFailures" },
                Passive = new PassiveHealthCheckConfig { Enabled = true, Policy = "TransportFailureRate", ReactivationPeriod = TimeSpan.FromSeconds(30) },
            },
            SessionAffinity = sticky ? new SessionAffinityConfig { Enabled = true, Policy = "Cookie", FailurePolicy = "Redistribute", AffinityKeyName = ".mm.affinity" } : null,
        };
        var route = new RouteConfig { RouteId = "all", ClusterId = "instances", Match = new RouteMatch { Path = "{**catch-all}" } };
        builder.Services.AddReverseProxy().LoadFromMemory([route], [cluster])
            // Which instance answered (instance-0, instance-1…), so a test can tell where a sticky browser landed.
            .AddTransforms(t => t.AddResponseTransform(r =>
            {
                if (r.HttpContext.Features.Get<IReverseProxyFeature>()?.ProxiedDestination is { } destination)
                    r.HttpContext.Response.Headers[InstanceHeader] = destination.DestinationId;
                return ValueTask.CompletedTask;
            }));
        var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync();
        return new ReverseProxy(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
