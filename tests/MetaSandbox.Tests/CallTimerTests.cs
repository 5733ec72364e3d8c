namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>A sandbox whose calls ring for one second and allow two connected business calls a day.</summary>
public sealed class ShortCallTimersHost : SandboxHost
{
    protected override IReadOnlyDictionary<string, string?> Overrides { get; } = new Dictionary<string, string?>
    {
        ["Sandbox:Calls:AcceptWindowSeconds"] = "1",
        ["Sandbox:Calls:RingTimeoutSeconds"] = "1",
        ["Sandbox:Calls:ConnectedCallsPerDay"] = "2",
    };
}

/// <summary>The timers Meta runs on a call (the accept window of a user's call, the ring of a business call) and
/// the connected-calls limit, read from Sandbox:Calls rather than hard-coded.</summary>
public class CallTimerTests(ShortCallTimersHost host) : IClassFixture<ShortCallTimersHost>
{
    [Fact]
    public async Task A_users_call_nobody_accepts_in_time_ends_failed_and_a_late_accept_is_refused_with_138007()
    {
        var (number, waba, token) = await host.NumberAsync();
        var (callId, _) = await host.UserCallsAsync(number, "5491155554001");
        var (_, _, end) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("event", "terminate"), 5_000);
        Assert.Equal("FAILED", end.GetProperty("status").GetString());
        Assert.Equal(138007, (await host.CallsAsync(number, token, CallSupport.Answer("accept", callId))).Json.ErrorCode());

        // Control: a call accepted within the second stays up past it.
        var (answered, _) = await host.UserCallsAsync(number, "5491155554002");
        Assert.Equal(200, (await host.CallsAsync(number, token, CallSupport.Answer("accept", answered))).Status);
        await Task.Delay(1_500);
        Assert.DoesNotContain(host.Receiver.CallEvents(waba, answered), c => c.Is("event", "terminate"));
        Assert.Equal("connected", (await host.GetJsonAsync($"/sandbox/calls/{answered}")).GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_business_call_nobody_picks_up_rings_out_failed()
    {
        var (number, waba, token) = await host.NumberAsync();
        await BusinessInitiatedCallTests.GrantAsync(host, number, token, "5491155554003");
        var callId = (await host.CallsAsync(number, token, CallSupport.Connect("5491155554003"))).Json.GetProperty("calls")[0].GetProperty("id").GetString()!;
        var (_, _, end) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("event", "terminate"), 5_000);
        Assert.Equal("FAILED", end.GetProperty("status").GetString());
        Assert.Contains((await host.GetJsonAsync($"/sandbox/calls/{callId}")).GetProperty("timeline").EnumerateArray(),
            e => e.GetProperty("name").GetString() == "not answered");
    }

    [Fact]
    public async Task Past_the_connected_calls_limit_a_business_call_is_refused_with_138012_and_the_next_allowed_time()
    {
        var (number, _, token) = await host.NumberAsync();
        await BusinessInitiatedCallTests.GrantAsync(host, number, token, "5491155554004", permanent: true);
        for (var i = 0; i < 2; i++)
        {
            var callId = (await host.CallsAsync(number, token, CallSupport.Connect("5491155554004"))).Json.GetProperty("calls")[0].GetProperty("id").GetString()!;
            Assert.Equal(200, (await host.ControlAsync($"/sandbox/calls/{callId}/answer")).Status);
            await host.CallsAsync(number, token, CallSupport.Plain("terminate", callId));
        }
        var refused = await host.CallsAsync(number, token, CallSupport.Connect("5491155554004"));
        Assert.Equal((429, 138012), (refused.Status, refused.Json.ErrorCode()));
        Assert.Contains("Next call allowed at", refused.Json.Details());

        var start = (await host.GetCallPermissionsAsync(number, token, "5491155554004")).ActionNamed("start_call");
        Assert.False(start.GetProperty("can_perform_action").GetBoolean());
        var limit = start.GetProperty("limits")[0];
        Assert.Equal((2, 2), (limit.GetProperty("max_allowed").GetInt32(), limit.GetProperty("current_usage").GetInt32()));
        Assert.True(limit.GetProperty("limit_expiration_time").GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        // Control: unanswered calls do not count; another user of the number is still callable.
        await BusinessInitiatedCallTests.GrantAsync(host, number, token, "5491155554005");
        Assert.Equal(200, (await host.CallsAsync(number, token, CallSupport.Connect("5491155554005"))).Status);
    }
}
