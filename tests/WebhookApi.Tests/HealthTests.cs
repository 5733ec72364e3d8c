using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>The Webhook API faces the internet: its detailed health is on the management port, the public one says
/// the status only.</summary>
public sealed class HealthTests : MultichannelMessages.TestSupport.ServiceHealthTests<Program>
{
    protected override void Configure(IWebHostBuilder builder) =>
        builder.UseSetting("Management:Port", WebhookHost.ManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture));

    protected override async Task<(HttpStatusCode Status, string Body)> DetailedHealthAsync(WebApplicationFactory<Program> factory)
    {
        var (status, body) = await WebhookHost.ManagementGetAsync(factory, "/health");
        return ((HttpStatusCode)status, body);
    }

    [Fact]
    public async Task Public_health_carries_no_database_error_text()
    {
        await using var factory = Host(UnreachableDatabase());

        var response = await factory.CreateClient().GetAsync("/health");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("""{"status":"Unhealthy"}""", body);
        // Positive control: the same failure, asked on the management port, carries the detail operators need.
        var (status, detail) = await DetailedHealthAsync(factory);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("unreachable", detail);
        Assert.Contains("\"database\"", detail);
    }
}
