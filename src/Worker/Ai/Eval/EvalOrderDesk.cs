using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace MultichannelMessages.Worker.Ai.Eval;

/// <summary>
/// The store's order system for the evaluation: the agent's custom tools call it over real HTTP through the SSRF-safe
/// fetcher, as they would call the business's system. It serves orders.json on loopback (GET /orders/{number}; an unknown
/// number is 404), so its address must be in Fetch:AllowedEndpoints. A cancellation is never served: in the evaluation the
/// risky tool is not run (the editor's test chat runs nothing that writes).
/// </summary>
public sealed class EvalOrderDesk : IAsyncDisposable
{
    /// <summary>The host agent.json names for the order system; the evaluator points it at this desk.</summary>
    public const string PlaceholderHost = "orders.eval";

    private readonly WebApplication _app;

    private EvalOrderDesk(WebApplication app, Uri baseUrl) => (_app, BaseUrl) = (app, baseUrl);

    /// <summary>http://127.0.0.1:port</summary>
    public Uri BaseUrl { get; }

    /// <summary>What Fetch:AllowedEndpoints must hold for the agent's tools to reach the desk.</summary>
    public string Endpoint => $"{BaseUrl.Host}:{BaseUrl.Port}";

    public static async Task<EvalOrderDesk> StartAsync(IReadOnlyDictionary<string, JsonElement> orders)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/orders/{number}", (string number) => orders.TryGetValue(number, out var order)
            ? Results.Json(order)
            : Results.Json(new { error = "not_found", order_number = number }, statusCode: 404));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EvalOrderDesk(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
