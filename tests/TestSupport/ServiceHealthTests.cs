using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;

namespace MultichannelMessages.TestSupport;

/// <summary>What every service answers at /health, whatever else it does: derive once per service.</summary>
public abstract class ServiceHealthTests<TProgram> where TProgram : class
{
    private static WebApplicationFactory<TProgram> Host(string connectionString) =>
        new WebApplicationFactory<TProgram>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Database:ConnectionString", connectionString);
            b.UseSetting("Secrets:MasterKey", Convert.ToBase64String(new byte[32]));
            b.UseSetting("Jwt:SigningKey", Convert.ToBase64String(new byte[32]));
        });

    [Fact]
    public async Task Starts_and_reports_the_database_reachable()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync(typeof(TProgram).Assembly.GetName().Name ?? "service");
        await using var factory = Host(cs);
        var response = await factory.CreateClient().GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"database\":{\"status\":\"Healthy\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Reports_unhealthy_when_the_database_is_unreachable()
    {
        await using var factory = Host($"Host=127.0.0.1;Port={ServiceProcess.FreePort()};Username=nobody;Timeout=2");
        var response = await factory.CreateClient().GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("unreachable", await response.Content.ReadAsStringAsync());
    }
}
