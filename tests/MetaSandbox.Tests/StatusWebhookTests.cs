using System.Text.Json;
using MultichannelMessages.Platform.Meta;

namespace MultichannelMessages.MetaSandbox.Tests;

public class StatusWebhookTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    [Fact]
    public async Task Accepted_send_produces_signed_sent_delivered_and_read_webhooks_the_parser_reads()
    {
        var id = await host.SendTextAsync("15550300001", "Status please", "outbox-42");

        var sent = await host.Receiver.WaitForStatusAsync(id, "sent");
        var delivered = await host.Receiver.WaitForStatusAsync(id, "delivered");
        var read = await host.Receiver.WaitForStatusAsync(id, "read");

        foreach (var status in new[] { sent, delivered, read })
        {
            Assert.Equal(Channels.WhatsApp, status.Channel);
            Assert.Equal(SandboxHost.PhoneNumberId, status.AccountExternalId);
            Assert.Equal(SandboxHost.WabaId, status.BusinessAccountId);
            Assert.Equal("15550300001", status.CustomerExternalId);
            Assert.NotNull(status.OccurredAt);
            Assert.Null(status.ErrorCode);
        }
        Assert.All(host.Receiver.Received, w => Assert.True(w.SignatureValid, "X-Hub-Signature-256 must be the HMAC of the body"));
        Assert.True(sent.OccurredAt <= delivered.OccurredAt && delivered.OccurredAt <= read.OccurredAt);

        using var pricing = JsonDocument.Parse(sent.PricingJson!);
        Assert.Equal("PMP", pricing.RootElement.GetProperty("pricing_model").GetString());
        Assert.Equal("service", pricing.RootElement.GetProperty("category").GetString());
        using var conversation = JsonDocument.Parse(sent.ConversationJson!);
        Assert.True(conversation.RootElement.TryGetProperty("expiration_timestamp", out _));
        Assert.Null(read.PricingJson);
        Assert.Contains("\"biz_opaque_callback_data\":\"outbox-42\"", sent.PayloadJson);
    }

    [Fact]
    public async Task Status_timestamps_are_strings_of_unix_seconds()
    {
        var id = await host.SendTextAsync("15550300002", "Timestamps");
        var webhook = await host.Receiver.WaitForAsync(w => w.Parsed.Statuses.Any(s => s.ProviderMessageId == id));

        using var body = JsonDocument.Parse(webhook.Body);
        var status = body.RootElement.GetProperty("entry")[0].GetProperty("changes")[0].GetProperty("value").GetProperty("statuses")[0];
        Assert.Equal(JsonValueKind.String, status.GetProperty("timestamp").ValueKind);
        Assert.InRange(long.Parse(status.GetProperty("timestamp").GetString()!), 1_600_000_000, 9_999_999_999);
    }

    [Fact]
    public async Task Sent_record_follows_its_statuses()
    {
        var id = await host.SendTextAsync("15550300003", "Follow me");
        await host.Receiver.WaitForStatusAsync(id, "read");

        var record = (await host.GetJsonAsync($"/sandbox/sent?id={Uri.EscapeDataString(id)}")).GetProperty("items")[0];
        Assert.Equal("read", record.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Refused_webhooks_are_retried_until_the_receiver_takes_them()
    {
        host.Receiver.FailNext(2);
        var id = await host.SendTextAsync("15550300004", "Retry me");

        await host.Receiver.WaitForStatusAsync(id, "read");

        Assert.True(host.Receiver.Refused >= 2);
        Assert.True((await host.GetJsonAsync("/sandbox/webhooks")).GetProperty("retries").GetInt64() >= 2);
    }

    [Fact]
    public async Task Messenger_send_produces_delivery_and_read_webhooks()
    {
        using var response = await host.SendAsync(new { recipient = new { id = "6100000000003" }, message = new { text = "Hi" } }, SandboxHost.PageId);
        var mid = (await SandboxHost.JsonAsync(response)).GetProperty("message_id").GetString()!;

        var delivered = await host.Receiver.WaitForStatusAsync(mid, "delivered");
        var read = await host.Receiver.WaitForAsync(w => w.Parsed.Statuses.Any(s => s.Status == "read" && s.CustomerExternalId == "6100000000003"));

        Assert.Equal(Channels.Messenger, delivered.Channel);
        Assert.Equal(SandboxHost.PageId, delivered.AccountExternalId);
        Assert.NotNull(read.Parsed.Statuses.Single(s => s.Status == "read").Watermark);
        Assert.Equal("page", read.Parsed.ObjectKind);
    }

    [Fact]
    public async Task Instagram_read_names_the_message_and_there_is_no_delivery()
    {
        using var response = await host.SendAsync(new { recipient = new { id = "1784100000009" }, message = new { text = "Hi" } }, SandboxHost.InstagramId);
        var mid = (await SandboxHost.JsonAsync(response)).GetProperty("message_id").GetString()!;

        var read = await host.Receiver.WaitForStatusAsync(mid, "read");

        Assert.Equal(Channels.Instagram, read.Channel);
        Assert.DoesNotContain(host.Receiver.StatusesOf(mid), s => s.Status == "delivered");
    }
}
