using System.Net;
using System.Net.Http.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

public class AccountTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    [Fact]
    public async Task Account_registered_at_runtime_can_send_with_its_token()
    {
        using var registered = await host.Client.PostAsJsonAsync("/sandbox/accounts", new
        {
            id = "980000000000001", kind = "whatsapp", waba_id = "990000000000001",
            display_phone_number = "15550007777", access_token = "runtime-token",
        });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.False((await SandboxHost.JsonAsync(registered)).TryGetProperty("access_token", out _));

        using var response = await host.SendAsync(SandboxHost.Text("15550500001", "from a new number"), "980000000000001", "runtime-token");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var listed = await host.GetJsonAsync("/sandbox/accounts");
        Assert.Contains(listed.EnumerateArray(), a => a.GetProperty("id").GetString() == "980000000000001");
    }

    [Fact]
    public async Task WhatsApp_account_without_a_waba_is_a_validation_problem()
    {
        using var response = await host.Client.PostAsJsonAsync("/sandbox/accounts", new
        {
            id = "980000000000002", kind = "whatsapp", access_token = "x", display_phone_number = "15550006666",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("WabaId", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_is_healthy_and_reports_the_webhook_counters()
    {
        using var response = await host.Client.GetAsync("/health");
        var json = await SandboxHost.JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", json.GetProperty("status").GetString());
        Assert.True(json.GetProperty("checks").GetProperty("webhooks").GetProperty("data").GetProperty("receiver_configured").GetBoolean());
    }

    [Fact]
    public async Task Clearing_the_sent_store_starts_the_count_again()
    {
        await host.SendTextAsync("15550500002", "to be forgotten");

        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.DeleteAsync("/sandbox/sent")).StatusCode);

        var count = await host.GetJsonAsync("/sandbox/sent/count");
        Assert.Equal(0, count.GetProperty("total").GetInt64());
        Assert.Equal(0, count.GetProperty("count").GetInt32());
    }
}
