using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using MultichannelMessages.TestSupport;

namespace MultichannelMessages.CoreApi.Tests;

public sealed class HealthTests
{
    [Fact]
    public async Task Starts_and_reports_the_database_reachable()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("CoreApi");
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Database:ConnectionString", cs);
            b.UseSetting("Secrets:MasterKey", Convert.ToBase64String(new byte[32]));
        });
        var response = await factory.CreateClient().GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"database\":{\"status\":\"Healthy\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Reports_unhealthy_when_the_database_is_unreachable()
    {
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Database:ConnectionString", $"Host=127.0.0.1;Port={ServiceProcess.FreePort()};Username=nobody;Timeout=2");
            b.UseSetting("Secrets:MasterKey", Convert.ToBase64String(new byte[32]));
        });
        var response = await factory.CreateClient().GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("unreachable", await response.Content.ReadAsStringAsync());
    }
}
