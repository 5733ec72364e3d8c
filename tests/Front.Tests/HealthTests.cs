using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using MultichannelMessages.TestSupport;

namespace MultichannelMessages.Front.Tests;

/// <summary>The Front has no database: its health is about the Core API it depends on.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Starts_without_a_database_and_reports_an_unreachable_core_api_as_degraded()
    {
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            b.UseSetting("CoreApi:BaseAddress", $"http://127.0.0.1:{ServiceProcess.FreePort()}"));
        var response = await factory.CreateClient().GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"core_api\":{\"status\":\"Degraded\"", body);
        Assert.DoesNotContain("database", body);
    }

    [Fact]
    public void A_missing_core_api_address_stops_the_front_at_start_with_a_sentence()
    {
        Assert.Contains("CoreApi:BaseAddress", ServiceProcess.RefusedStart("Front", new Dictionary<string, string> { ["CoreApi:BaseAddress"] = "" }));
    }
}
