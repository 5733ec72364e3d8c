using System.Net;
using System.Net.Http.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

public class PhoneNumberTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    [Fact]
    public async Task Phone_number_fields_answer_quality_tier_and_throughput()
    {
        var node = await SandboxHost.JsonAsync(await host.GraphAsync(HttpMethod.Get,
            $"{SandboxHost.PhoneNumberId}?fields=quality_rating,messaging_limit_tier,throughput,display_phone_number"));

        Assert.Equal("GREEN", node.GetProperty("quality_rating").GetString());
        Assert.Equal("TIER_1K", node.GetProperty("messaging_limit_tier").GetString());
        Assert.Equal("STANDARD", node.GetProperty("throughput").GetProperty("level").GetString());
        Assert.Equal(SandboxHost.DisplayPhone, node.GetProperty("display_phone_number").GetString());
        Assert.Equal(SandboxHost.PhoneNumberId, node.GetProperty("id").GetString());
        Assert.False(node.TryGetProperty("platform_type", out _));
    }

    [Fact]
    public async Task Unknown_field_is_code_100_naming_the_node_type()
    {
        using var response = await host.GraphAsync(HttpMethod.Get, $"{SandboxHost.PhoneNumberId}?fields=quality_rating,favourite_colour");
        var error = (await SandboxHost.JsonAsync(response)).GetProperty("error");

        Assert.Equal(100, error.GetProperty("code").GetInt32());
        Assert.Contains("(favourite_colour) on node type (WhatsAppBusinessPhoneNumber)", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Waba_lists_its_phone_numbers()
    {
        var list = await SandboxHost.JsonAsync(await host.GraphAsync(HttpMethod.Get, $"{SandboxHost.WabaId}/phone_numbers"));

        Assert.Equal(SandboxHost.PhoneNumberId, list.GetProperty("data").EnumerateArray().Single().GetProperty("id").GetString());
    }

    [Fact]
    public async Task Quality_change_sends_a_quality_webhook_and_shows_in_the_fields()
    {
        // Its own number: the quality change must not leak into the other tests of this host.
        using var registered = await host.Client.PostAsJsonAsync("/sandbox/accounts", new
        {
            id = "960000000000001", kind = "whatsapp", waba_id = "970000000000001",
            display_phone_number = "15550009999", access_token = "quality-token",
        });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);

        using var changed = await host.Client.PostAsJsonAsync("/sandbox/accounts/960000000000001/quality",
            new { quality_rating = "YELLOW" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);

        var webhook = await host.Receiver.WaitForAsync(w => w.Parsed.BusinessEvents.Any(e => e.DisplayPhoneNumber == "15550009999"));
        var quality = webhook.Parsed.BusinessEvents.Single(e => e.DisplayPhoneNumber == "15550009999");
        Assert.Equal("quality", quality.Kind);
        Assert.Equal("FLAGGED", quality.Event);
        Assert.Equal("TIER_1K", quality.CurrentLimit);
        Assert.Equal("970000000000001", quality.BusinessAccountId);

        var node = await SandboxHost.JsonAsync(await host.GraphAsync(HttpMethod.Get, "960000000000001?fields=quality_rating", token: "quality-token"));
        Assert.Equal("YELLOW", node.GetProperty("quality_rating").GetString());
    }

    [Fact]
    public async Task Lower_tier_is_reported_as_a_downgrade()
    {
        await host.Client.PostAsJsonAsync("/sandbox/accounts", new
        {
            id = "960000000000002", kind = "whatsapp", waba_id = "970000000000002",
            display_phone_number = "15550008888", access_token = "tier-token",
        });
        await host.Client.PostAsJsonAsync("/sandbox/accounts/960000000000002/quality", new { messaging_limit_tier = "TIER_250" });

        var webhook = await host.Receiver.WaitForAsync(w => w.Parsed.BusinessEvents.Any(e => e.DisplayPhoneNumber == "15550008888"));

        Assert.Equal("DOWNGRADE", webhook.Parsed.BusinessEvents.Single().Event);
        Assert.Contains("\"old_limit\":\"TIER_1K\"", webhook.Text);
    }

    [Fact]
    public async Task Quality_change_needs_a_known_rating()
    {
        using var response = await host.Client.PostAsJsonAsync($"/sandbox/accounts/{SandboxHost.PhoneNumberId}/quality", new { quality_rating = "PURPLE" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
