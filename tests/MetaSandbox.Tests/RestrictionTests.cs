using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>Meta's enforcement on a WABA: restrictions and bans with their account_update webhooks, and the sends
/// they refuse.</summary>
public class RestrictionTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    private async Task RestrictAsync(string id, string type, DateTimeOffset? expiresAt = null)
    {
        using var response = await host.Client.PostAsJsonAsync($"/sandbox/accounts/{id}/restriction", new { type, expires_at = expiresAt });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_business_initiated_restriction_is_sent_and_refuses_templates_with_368_until_reinstated()
    {
        await host.RegisterNumberAsync("984000000000001", "rs-a");
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        using var wrote = await host.Client.PostAsJsonAsync("/sandbox/customers/984000000000001/messages", new { from = "15550900002", text = "hi" });

        await RestrictAsync("984000000000001", "RESTRICTED_BIZ_INITIATED_MESSAGING", expires);

        var change = await host.Receiver.WaitForChangeAsync("account_update", "784000000000001", v => v.GetProperty("event").GetString() == "ACCOUNT_RESTRICTION");
        var info = change.GetProperty("restriction_info").EnumerateArray().Single();
        Assert.Equal("RESTRICTED_BIZ_INITIATED_MESSAGING", info.GetProperty("restriction_type").GetString());
        Assert.Equal(JsonValueKind.Number, info.GetProperty("expiration").ValueKind);
        Assert.Equal(expires.ToUnixTimeSeconds(), info.GetProperty("expiration").GetInt64());
        Assert.Equal((HttpStatusCode.Forbidden, 368), Refusal(await host.TrySendAsync(SandboxHost.Template("15550900001", "offer"), "984000000000001", "rs-a")));
        Assert.Equal(HttpStatusCode.OK, (await host.TrySendAsync(SandboxHost.Text("15550900001", "reply"), "984000000000001", "rs-a")).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.TrySendAsync(SandboxHost.Template("15550900002", "offer"), "984000000000001", "rs-a")).Status);

        Assert.Equal(HttpStatusCode.OK, (await host.Client.DeleteAsync("/sandbox/accounts/984000000000001/restriction")).StatusCode);

        var reinstated = await host.Receiver.WaitForChangeAsync("account_update", "784000000000001", v => v.GetProperty("event").GetString() == "DISABLED_UPDATE");
        Assert.Equal(["REINSTATE"], reinstated.GetProperty("ban_info").GetProperty("waba_ban_state").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(HttpStatusCode.OK, (await host.TrySendAsync(SandboxHost.Template("15550900001", "offer"), "984000000000001", "rs-a")).Status);
    }

    [Fact]
    public async Task Every_restriction_in_force_is_listed_and_a_customer_initiated_one_refuses_replies()
    {
        await host.RegisterNumberAsync("984000000000002", "rs-b");

        await RestrictAsync("984000000000002", "RESTRICTED_ADD_PHONE_NUMBER_ACTION");
        await RestrictAsync("984000000000002", "RESTRICTED_CUSTOMER_INITIATED_MESSAGING");

        await host.Receiver.WaitForChangeAsync("account_update", "784000000000002", v => v.GetProperty("restriction_info").GetArrayLength() == 2);
        Assert.Equal((HttpStatusCode.Forbidden, 368), Refusal(await host.TrySendAsync(SandboxHost.Text("15550900003", "reply"), "984000000000002", "rs-b")));
        Assert.Equal(HttpStatusCode.OK, (await host.TrySendAsync(SandboxHost.Template("15550900003", "offer"), "984000000000002", "rs-b")).Status);
    }

    [Fact]
    public async Task Schedule_for_disable_is_sent_with_its_date_and_sends_go_on_until_the_account_is_disabled()
    {
        await host.RegisterNumberAsync("984000000000003", "rs-c");

        await RestrictAsync("984000000000003", "SCHEDULE_FOR_DISABLE", new DateTimeOffset(2026, 8, 1, 0, 0, 0, TimeSpan.Zero));

        var scheduled = await host.Receiver.WaitForChangeAsync("account_update", "784000000000003", v => v.GetProperty("event").GetString() == "DISABLED_UPDATE");
        var ban = scheduled.GetProperty("ban_info");
        Assert.Equal(["SCHEDULE_FOR_DISABLE"], ban.GetProperty("waba_ban_state").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("August 1, 2026", ban.GetProperty("waba_ban_date").GetString());
        Assert.Equal(HttpStatusCode.OK, (await host.TrySendAsync(SandboxHost.Template("15550900004", "offer"), "984000000000003", "rs-c")).Status);

        await RestrictAsync("984000000000003", "DISABLE");

        Assert.Equal((HttpStatusCode.Forbidden, 131031), Refusal(await host.TrySendAsync(SandboxHost.Text("15550900004", "reply"), "984000000000003", "rs-c")));
    }

    [Fact]
    public async Task An_expired_restriction_refuses_nothing()
    {
        await host.RegisterNumberAsync("984000000000004", "rs-d");

        await RestrictAsync("984000000000004", "RESTRICTED_BIZ_INITIATED_MESSAGING", DateTimeOffset.UtcNow.AddSeconds(-1));

        Assert.Equal(HttpStatusCode.OK, (await host.TrySendAsync(SandboxHost.Template("15550900005", "offer"), "984000000000004", "rs-d")).Status);
        var state = await host.GetJsonAsync("/sandbox/accounts/984000000000004/restriction");
        Assert.Equal(0, state.GetProperty("restrictions").GetArrayLength());
    }

    [Fact]
    public async Task An_unknown_restriction_type_is_a_validation_problem()
    {
        await host.RegisterNumberAsync("984000000000005", "rs-e");

        using var response = await host.Client.PostAsJsonAsync("/sandbox/accounts/984000000000005/restriction", new { type = "RESTRICTED_EVERYTHING" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static (HttpStatusCode, int?) Refusal((HttpStatusCode Status, int? Code, string? Wamid, string? MessageStatus) send) =>
        (send.Status, send.Code);
}
