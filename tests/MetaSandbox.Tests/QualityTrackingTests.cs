using System.Net;
using System.Net.Http.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>A number's rating moved by the share of its failed sends, with the webhook the quality control sends.</summary>
public class QualityTrackingTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    private static readonly object Tracking = new { window = 10, yellow_above = 0.2, red_above = 0.5 };

    private async Task FailEverySendAsync(string accountId)
    {
        using var response = await host.Client.PostAsJsonAsync("/sandbox/faults", new { kind = "undeliverable", account_id = accountId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task SendAsync(string accountId, string token, int count)
    {
        for (var i = 0; i < count; i++)
            Assert.Equal(HttpStatusCode.OK, (await host.TrySendAsync(SandboxHost.Text($"1555120{i:0000}", "tracked"), accountId, token)).Status);
    }

    private async Task<string> RatingAsync(string accountId, string token) =>
        (await SandboxHost.JsonAsync(await host.GraphAsync(HttpMethod.Get, $"{accountId}?fields=quality_rating", token: token)))
            .GetProperty("quality_rating").GetString()!;

    [Fact]
    public async Task A_failed_share_above_the_thresholds_turns_the_number_yellow_then_red_with_a_webhook_each()
    {
        await host.RegisterNumberAsync("986000000000001", "qt-a", qualityTracking: Tracking);
        await FailEverySendAsync("986000000000001");

        await SendAsync("986000000000001", "qt-a", 9);
        Assert.Equal("GREEN", await RatingAsync("986000000000001", "qt-a"));
        await SendAsync("986000000000001", "qt-a", 1);
        Assert.Equal("YELLOW", await RatingAsync("986000000000001", "qt-a"));
        await SendAsync("986000000000001", "qt-a", 1);
        Assert.Equal("RED", await RatingAsync("986000000000001", "qt-a"));

        await host.Receiver.WaitForAsync(_ => host.Receiver.ChangesOf("phone_number_quality_update", "786000000000001").Count == 2);
        Assert.All(host.Receiver.ChangesOf("phone_number_quality_update", "786000000000001"),
            c => Assert.Equal("FLAGGED", c.GetProperty("event").GetString()));
    }

    [Fact]
    public async Task A_tracked_number_with_healthy_sends_stays_green()
    {
        await host.RegisterNumberAsync("986000000000002", "qt-b", qualityTracking: Tracking);

        await SendAsync("986000000000002", "qt-b", 12);

        Assert.Equal("GREEN", await RatingAsync("986000000000002", "qt-b"));
    }

    [Fact]
    public async Task An_untracked_number_keeps_its_rating_until_tracking_is_turned_on()
    {
        await host.RegisterNumberAsync("986000000000003", "qt-c");
        await FailEverySendAsync("986000000000003");

        await SendAsync("986000000000003", "qt-c", 12);
        Assert.Equal("GREEN", await RatingAsync("986000000000003", "qt-c"));

        using var on = await host.Client.PutAsJsonAsync("/sandbox/accounts/986000000000003/quality-tracking", new { window = 5, yellow_above = 0.5, red_above = 0.9 });
        Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        await SendAsync("986000000000003", "qt-c", 5);

        Assert.Equal("YELLOW", await RatingAsync("986000000000003", "qt-c"));
    }

    [Fact]
    public async Task Thresholds_out_of_order_are_a_validation_problem()
    {
        await host.RegisterNumberAsync("986000000000004", "qt-d");

        using var response = await host.Client.PutAsJsonAsync("/sandbox/accounts/986000000000004/quality-tracking", new { window = 5, yellow_above = 0.5, red_above = 0.1 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
