using System.Net;
using System.Net.Http.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>The portfolio's messaging limit: unique recipients of business-initiated templates in a moving 24 hours,
/// shared by every number of the portfolio.</summary>
public class PortfolioLimitTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    private async Task SetLimitAsync(string businessId, string tier, int? limit = null)
    {
        using var response = await host.Client.PutAsJsonAsync($"/sandbox/portfolios/{businessId}/limit", new { tier, limit });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_new_recipient_past_the_limit_is_accepted_then_fails_while_known_recipients_still_go()
    {
        await host.RegisterNumberAsync("982000000000001", "pf-a", businessId: "983000000000001");
        await host.RegisterNumberAsync("982000000000002", "pf-b", businessId: "983000000000001");
        await SetLimitAsync("983000000000001", "TIER_250", limit: 2);

        var first = await host.TrySendAsync(SandboxHost.Template("15550800001", "offer"), "982000000000001", "pf-a");
        var second = await host.TrySendAsync(SandboxHost.Template("15550800002", "offer"), "982000000000001", "pf-a");
        var third = await host.TrySendAsync(SandboxHost.Template("15550800003", "offer"), "982000000000002", "pf-b");
        var again = await host.TrySendAsync(SandboxHost.Template("15550800001", "offer"), "982000000000002", "pf-b");

        await host.Receiver.WaitForStatusAsync(first.Wamid!, "delivered");
        await host.Receiver.WaitForStatusAsync(second.Wamid!, "delivered");
        Assert.Equal((HttpStatusCode.OK, "accepted"), (third.Status, third.MessageStatus));
        var failed = await host.Receiver.WaitForStatusAsync(third.Wamid!, "failed");
        Assert.Equal(131048, failed.ErrorCode);
        await host.Receiver.WaitForStatusAsync(again.Wamid!, "delivered");
        var portfolio = await host.GetJsonAsync("/sandbox/portfolios/983000000000001");
        Assert.Equal("TIER_250", portfolio.GetProperty("tier").GetString());
        Assert.Equal(2, portfolio.GetProperty("limit").GetInt32());
        Assert.Equal(2, portfolio.GetProperty("used").GetInt32());
        Assert.Equal(["982000000000001", "982000000000002"], portfolio.GetProperty("phone_number_ids").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Templates_inside_the_customer_window_and_free_form_replies_do_not_count()
    {
        await host.RegisterNumberAsync("982000000000003", "pf-c");
        await SetLimitAsync("782000000000003", "TIER_250", limit: 0);
        using var wrote = await host.Client.PostAsJsonAsync("/sandbox/customers/982000000000003/messages", new { from = "15550800004", text = "hi" });
        Assert.Equal(HttpStatusCode.Accepted, wrote.StatusCode);

        var inWindow = await host.TrySendAsync(SandboxHost.Template("15550800004", "offer"), "982000000000003", "pf-c");
        var reply = await host.TrySendAsync(SandboxHost.Text("15550800005", "free-form"), "982000000000003", "pf-c");
        var outside = await host.TrySendAsync(SandboxHost.Template("15550800005", "offer"), "982000000000003", "pf-c");

        await host.Receiver.WaitForStatusAsync(inWindow.Wamid!, "delivered");
        await host.Receiver.WaitForStatusAsync(reply.Wamid!, "delivered");
        Assert.Equal(131048, (await host.Receiver.WaitForStatusAsync(outside.Wamid!, "failed")).ErrorCode);
        Assert.Equal(0, (await host.GetJsonAsync("/sandbox/portfolios/782000000000003")).GetProperty("used").GetInt32());
    }

    [Fact]
    public async Task A_new_portfolio_starts_at_250_and_a_tier_change_is_sent_and_read_from_the_graph()
    {
        await host.RegisterNumberAsync("982000000000004", "pf-d", businessId: "983000000000004");
        var before = await SandboxHost.JsonAsync(await host.GraphAsync(HttpMethod.Get,
            "983000000000004?fields=whatsapp_business_manager_messaging_limit", token: "pf-d"));
        Assert.Equal("TIER_250", before.GetProperty("whatsapp_business_manager_messaging_limit").GetString());
        Assert.Equal("983000000000004", before.GetProperty("id").GetString());
        Assert.Equal(250, (await host.GetJsonAsync("/sandbox/portfolios/983000000000004")).GetProperty("limit").GetInt32());

        await SetLimitAsync("983000000000004", "TIER_2K");

        var change = await host.Receiver.WaitForChangeAsync("business_capability_update", "782000000000004", _ => true);
        Assert.Equal("TIER_2K", change.GetProperty("max_daily_conversations_per_business").GetString());
        var business = await SandboxHost.JsonAsync(await host.GraphAsync(HttpMethod.Get,
            "983000000000004?fields=whatsapp_business_manager_messaging_limit", token: "pf-d"));
        Assert.Equal("TIER_2K", business.GetProperty("whatsapp_business_manager_messaging_limit").GetString());
        var waba = await SandboxHost.JsonAsync(await host.GraphAsync(HttpMethod.Get,
            "782000000000004?fields=whatsapp_business_manager_messaging_limit", token: "pf-d"));
        Assert.Equal("TIER_2K", waba.GetProperty("whatsapp_business_manager_messaging_limit").GetString());
        var number = await SandboxHost.JsonAsync(await host.GraphAsync(HttpMethod.Get,
            "982000000000004?fields=whatsapp_business_manager_messaging_limit", token: "pf-d"));
        Assert.Equal("TIER_2K", number.GetProperty("whatsapp_business_manager_messaging_limit").GetString());
        Assert.Equal(2000, (await host.GetJsonAsync("/sandbox/portfolios/983000000000004")).GetProperty("limit").GetInt32());
    }

    [Fact]
    public async Task The_business_node_is_refused_to_a_token_outside_the_portfolio()
    {
        await host.RegisterNumberAsync("982000000000005", "pf-e", businessId: "983000000000005");

        using var refused = await host.GraphAsync(HttpMethod.Get, "983000000000005?fields=whatsapp_business_manager_messaging_limit");
        using var allowed = await host.GraphAsync(HttpMethod.Get, "983000000000005?fields=whatsapp_business_manager_messaging_limit", token: "pf-e");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task An_unknown_tier_is_a_validation_problem_and_an_unknown_portfolio_is_not_found()
    {
        await host.RegisterNumberAsync("982000000000006", "pf-f");

        using var badTier = await host.Client.PutAsJsonAsync("/sandbox/portfolios/782000000000006/limit", new { tier = "TIER_1M" });
        using var unknown = await host.Client.GetAsync("/sandbox/portfolios/999999999999999");
        using var known = await host.Client.GetAsync("/sandbox/portfolios/782000000000006");

        Assert.Equal(HttpStatusCode.BadRequest, badTier.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
    }
}
