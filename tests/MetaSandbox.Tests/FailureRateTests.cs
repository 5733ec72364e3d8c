using MultichannelMessages.Platform.Meta;

namespace MultichannelMessages.MetaSandbox.Tests;

public sealed class AlwaysFailingHost : SandboxHost
{
    protected override IReadOnlyDictionary<string, string?> Overrides { get; } = new Dictionary<string, string?>
    {
        ["Sandbox:Statuses:FailureRate"] = "1",
        ["Sandbox:Statuses:FailureCode"] = "131026",
    };
}

public class FailureRateTests(AlwaysFailingHost host) : IClassFixture<AlwaysFailingHost>
{
    [Fact]
    public async Task With_failure_rate_one_every_accepted_send_ends_in_a_failed_status_with_the_code()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add(await host.SendTextAsync($"1555040000{i}", "Doomed"));

        foreach (var id in ids)
        {
            var failed = await host.Receiver.WaitForStatusAsync(id, "failed");
            Assert.Equal(131026, failed.ErrorCode);
            Assert.Equal("Message undeliverable", failed.ErrorTitle);
            Assert.Equal(Channels.WhatsApp, failed.Channel);
        }
        await Task.Delay(200);
        Assert.All(ids, id => Assert.DoesNotContain(host.Receiver.StatusesOf(id), s => s.Status is "sent" or "delivered" or "read"));
        var record = (await host.GetJsonAsync($"/sandbox/sent?id={Uri.EscapeDataString(ids[0])}")).GetProperty("items")[0];
        Assert.Equal(131026, record.GetProperty("error_code").GetInt32());
    }
}
