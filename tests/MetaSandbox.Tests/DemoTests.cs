using System.Net;
using System.Net.Http.Json;
using MultichannelMessages.Platform.Meta;

namespace MultichannelMessages.MetaSandbox.Tests;

public class DemoTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    [Fact]
    public async Task Demo_traffic_writes_a_bounded_number_of_messages_on_every_channel()
    {
        var accounts = (await host.GetJsonAsync("/sandbox/accounts")).GetArrayLength();

        using var started = await host.Client.PostAsJsonAsync("/sandbox/demo/start", new { interval_ms = 10, message_count = accounts });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);

        foreach (var channel in new[] { Channels.WhatsApp, Channels.Messenger, Channels.Instagram })
            await host.Receiver.WaitForAsync(w => w.Parsed.Messages.Any(m => m.Channel == channel && m.Direction == "in"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await host.GetJsonAsync("/sandbox/demo")).GetProperty("running").GetBoolean() && DateTime.UtcNow < deadline)
            await Task.Delay(20);

        var status = await host.GetJsonAsync("/sandbox/demo");
        Assert.False(status.GetProperty("running").GetBoolean());
        Assert.Equal(accounts, status.GetProperty("sent").GetInt32());
        await Task.Delay(100);
        Assert.Equal(accounts, host.Receiver.Received.Sum(w => w.Parsed.Messages.Count));
        Assert.All(host.Receiver.Received, w => Assert.True(w.SignatureValid));
    }
}
