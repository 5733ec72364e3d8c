using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

public sealed class ThroughputHost : SandboxHost
{
    protected override IReadOnlyDictionary<string, string?> Overrides { get; } = new Dictionary<string, string?>
    {
        ["Sandbox:Limits:EnforceThroughput"] = "true",
    };
}

/// <summary>
/// A number's messages per second over a sliding second. Sends go out together; what is asserted exactly holds only
/// when they all landed within one second (else the window slid and more were let through, never fewer).
/// </summary>
public class ThroughputTests(ThroughputHost host, SandboxHost unenforced) : IClassFixture<ThroughputHost>, IClassFixture<SandboxHost>
{
    private async Task<(int Ok, int Limited, TimeSpan Elapsed)> BurstAsync(SandboxHost on, string accountId, string token, int count)
    {
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
            on.TrySendAsync(SandboxHost.Text($"155507{i:00000}", "burst"), accountId, token)));
        var elapsed = clock.Elapsed;
        Assert.All(results, r => Assert.True(r.Status == HttpStatusCode.OK || (r.Status, r.Code) == (HttpStatusCode.TooManyRequests, 130429)));
        return (results.Count(r => r.Status == HttpStatusCode.OK), results.Count(r => r.Code == 130429), elapsed);
    }

    private static void AssertAdmitted(int mps, (int Ok, int Limited, TimeSpan Elapsed) burst)
    {
        Assert.True(burst.Ok >= mps, $"{burst.Ok} let through, fewer than {mps}");
        if (burst.Elapsed < TimeSpan.FromSeconds(1))
            Assert.Equal(mps, burst.Ok);
        else
            Assert.True(burst.Ok <= mps * ((int)burst.Elapsed.TotalSeconds + 1), $"{burst.Ok} let through in {burst.Elapsed}");
    }

    [Fact]
    public async Task Sends_above_the_number_s_mps_are_refused_with_130429_until_the_second_slides()
    {
        await host.RegisterNumberAsync("981000000000001", "tp-one", mps: 5);

        AssertAdmitted(5, await BurstAsync(host, "981000000000001", "tp-one", 12));

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while ((await host.TrySendAsync(SandboxHost.Text("15550799999", "later"), "981000000000001", "tp-one")).Status != HttpStatusCode.OK)
            Assert.True(DateTime.UtcNow < deadline, "The window never slid.");
    }

    [Fact]
    public async Task A_number_without_its_own_mps_gets_meta_s_default_of_80()
    {
        await host.RegisterNumberAsync("981000000000002", "tp-two");

        AssertAdmitted(80, await BurstAsync(host, "981000000000002", "tp-two", 100));
    }

    [Fact]
    public async Task The_mps_set_through_the_control_endpoint_applies_at_once()
    {
        await host.RegisterNumberAsync("981000000000003", "tp-three");

        using var set = await host.Client.PostAsJsonAsync("/sandbox/accounts/981000000000003/throughput", new { mps = 2 });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);

        AssertAdmitted(2, await BurstAsync(host, "981000000000003", "tp-three", 6));
    }

    [Fact]
    public async Task The_upgrade_lifts_the_number_to_1000_mps_and_sends_THROUGHPUT_UPGRADE()
    {
        await host.RegisterNumberAsync("981000000000004", "tp-four", mps: 3);

        using var upgraded = await host.Client.PostAsync("/sandbox/accounts/981000000000004/throughput/upgrade", null);
        Assert.Equal(HttpStatusCode.OK, upgraded.StatusCode);

        var change = await host.Receiver.WaitForChangeAsync("phone_number_quality_update", "781000000000004", _ => true);
        Assert.Equal("THROUGHPUT_UPGRADE", change.GetProperty("event").GetString());
        Assert.Equal("15550000004", change.GetProperty("display_phone_number").GetString());
        Assert.Equal("TIER_UNLIMITED", change.GetProperty("max_daily_conversations_per_business").GetString());
        var node = await SandboxHost.JsonAsync(await host.GraphAsync(HttpMethod.Get, "981000000000004?fields=throughput", token: "tp-four"));
        Assert.Equal("HIGH", node.GetProperty("throughput").GetProperty("level").GetString());
        var burst = await BurstAsync(host, "981000000000004", "tp-four", 20);
        Assert.Equal(20, burst.Ok);
    }

    [Fact]
    public async Task Without_enforcement_a_burst_above_80_goes_through()
    {
        await unenforced.RegisterNumberAsync("981000000000005", "tp-five", mps: 5);

        var burst = await BurstAsync(unenforced, "981000000000005", "tp-five", 100);

        Assert.Equal(100, burst.Ok);
    }

    [Fact]
    public async Task A_throughput_out_of_range_is_a_validation_problem()
    {
        await host.RegisterNumberAsync("981000000000006", "tp-six");

        using var response = await host.Client.PostAsJsonAsync("/sandbox/accounts/981000000000006/throughput", new { mps = 0 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
