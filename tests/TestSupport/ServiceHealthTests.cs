using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;

namespace MultichannelMessages.TestSupport;

/// <summary>What every service answers at /health, whatever else it does: derive once per service. A service whose
/// detailed health lives elsewhere (the Webhook API's management port) overrides <see cref="DetailedHealthAsync"/>.</summary>
public abstract class ServiceHealthTests<TProgram> where TProgram : class
{
    protected WebApplicationFactory<TProgram> Host(string connectionString) =>
        new WebApplicationFactory<TProgram>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Database:ConnectionString", connectionString);
            b.UseSetting("Secrets:MasterKey", Convert.ToBase64String(new byte[32]));
            b.UseSetting("Jwt:SigningKey", Convert.ToBase64String(new byte[32]));
            Configure(b);
        });

    protected virtual void Configure(IWebHostBuilder builder) { }

    protected virtual async Task<(HttpStatusCode Status, string Body)> DetailedHealthAsync(WebApplicationFactory<TProgram> factory)
    {
        var response = await factory.CreateClient().GetAsync("/health");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    protected static string UnreachableDatabase() => $"Host=127.0.0.1;Port={ServiceProcess.FreePort()};Username=nobody;Timeout=2";

    [Fact]
    public async Task Starts_and_reports_the_database_reachable()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync(typeof(TProgram).Assembly.GetName().Name ?? "service");
        await using var factory = Host(cs);
        var (status, body) = await DetailedHealthAsync(factory);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"database\":{\"status\":\"Healthy\"", body);
    }

    [Fact]
    public async Task Reports_unhealthy_when_the_database_is_unreachable()
    {
        await using var factory = Host(UnreachableDatabase());
        var (status, body) = await DetailedHealthAsync(factory);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("unreachable", body);
    }
}
