using System.Globalization;
using System.Net;
using System.Text;
using MultichannelMessages.TestSupport;

namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>The Webhook API as a real process with its two Kestrel listeners: the public port Meta (and anyone)
/// reaches, and the loopback management port.</summary>
public sealed class PublicService : IAsyncLifetime
{
    public int ManagementPort { get; } = ServiceProcess.FreePort();
    public ServiceProcess Service { get; private set; } = null!;
    public HttpClient Public { get; private set; } = null!;
    public HttpClient Management { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("public_surface");
        await WebhookHost.SeedAsync(cs);
        Service = await ServiceProcess.StartAsync("WebhookApi", new Dictionary<string, string>
        {
            ["MM_Database__ConnectionString"] = cs,
            ["MM_Secrets__MasterKey"] = WebhookHost.MasterKey,
            ["MM_Management__Port"] = ManagementPort.ToString(CultureInfo.InvariantCulture),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        });
        Public = new HttpClient { BaseAddress = Service.BaseAddress };
        Management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ManagementPort}") };
    }

    public async Task DisposeAsync()
    {
        Public?.Dispose();
        Management?.Dispose();
        if (Service is not null) await Service.DisposeAsync();
    }
}

public sealed class PublicSurfaceTests(PublicService s) : IClassFixture<PublicService>
{
    [Fact]
    public async Task Metrics_are_not_served_on_the_public_port()
    {
        var signed = await s.Public.SendAsync(WebhookHost.Signed(Encoding.UTF8.GetBytes(Payloads.Text("wamid.surface-1", "34622200001", "hi")), WebhookHost.AppSecret));
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await s.Public.GetAsync("/metrics")).StatusCode);
        // A Host header naming the management port changes nothing: the port the connection arrived on decides.
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        spoofed.Headers.Host = $"127.0.0.1:{s.ManagementPort}";
        Assert.Equal(HttpStatusCode.NotFound, (await s.Public.SendAsync(spoofed)).StatusCode);
        Assert.Equal("""{"status":"Healthy"}""", await s.Public.GetStringAsync("/health"));

        // Positive control: the management port serves both.
        Assert.Contains("webhook_received", await s.Management.GetStringAsync("/metrics"));
        Assert.Contains("\"database\":{\"status\":\"Healthy\"", await s.Management.GetStringAsync("/health"));
    }

    [Fact]
    public async Task Unsigned_flood_logs_a_bounded_number_of_warnings()
    {
        var body = Encoding.UTF8.GetBytes(Payloads.Text("wamid.flood", "34622200002", "forged"));
        for (var i = 0; i < 500; i++)
        {
            using var request = WebhookHost.Signed(body, secret: null);
            Assert.Equal(HttpStatusCode.Unauthorized, (await s.Public.SendAsync(request)).StatusCode);
        }

        var warnings = s.Service.Output.Split('\n').Count(l => l.Contains("Webhook rejected:", StringComparison.Ordinal));
        Assert.InRange(warnings, 1, 3);
        // Positive control: every rejection was counted.
        Assert.Equal(500, RejectedBySignature(await s.Management.GetStringAsync("/metrics")));
    }

    private static long RejectedBySignature(string metrics) =>
        metrics.Split('\n').Where(l => l.StartsWith("webhook_rejected", StringComparison.Ordinal) && l.Contains("reason=\"signature\""))
            .Select(l => long.Parse(l.Split(' ')[1], CultureInfo.InvariantCulture)).Sum();
}
