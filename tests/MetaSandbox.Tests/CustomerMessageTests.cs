using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using MultichannelMessages.Platform.Meta;

namespace MultichannelMessages.MetaSandbox.Tests;

public class CustomerMessageTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    private async Task<JsonElement> WriteAsync(string path, object body)
    {
        using var response = await host.Client.PostAsJsonAsync(path, body);
        var json = await SandboxHost.JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, json.ToString());
        return json;
    }

    [Fact]
    public async Task WhatsApp_customer_message_arrives_as_an_inbound_message_the_parser_reads()
    {
        var accepted = await WriteAsync($"/sandbox/customers/{SandboxHost.PhoneNumberId}/messages",
            new { from = "5493515550101", name = "Lucía", text = "Hola" });
        var id = accepted.GetProperty("id").GetString()!;

        var message = await host.Receiver.WaitForMessageAsync(id);

        Assert.Equal(Channels.WhatsApp, message.Channel);
        Assert.Equal("in", message.Direction);
        Assert.Equal("text", message.Type);
        Assert.Equal("Hola", message.Body);
        Assert.Equal("5493515550101", message.CustomerExternalId);
        Assert.Equal("Lucía", message.CustomerName);
        Assert.Equal(SandboxHost.PhoneNumberId, message.AccountExternalId);
        Assert.Equal(SandboxHost.WabaId, message.BusinessAccountId);
    }

    [Fact]
    public async Task Non_ascii_text_is_sent_as_lowercase_unicode_escapes_and_signed_over_those_bytes()
    {
        var id = (await WriteAsync($"/sandbox/customers/{SandboxHost.PhoneNumberId}/messages",
            new { from = "5493515550102", text = "¿Envío? 🙏" })).GetProperty("id").GetString()!;

        var webhook = await host.Receiver.WaitForAsync(w => w.Parsed.Messages.Any(m => m.ProviderMessageId == id));

        Assert.True(webhook.SignatureValid);
        Assert.All(webhook.Body, b => Assert.True(b < 0x80));
        Assert.Contains("\\u00bfenv\\u00edo? \\ud83d\\ude4f", webhook.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\\u00bf", webhook.Text);
        Assert.Equal("¿Envío? 🙏", webhook.Parsed.Messages.Single(m => m.ProviderMessageId == id).Body);
    }

    [Fact]
    public async Task Reply_carries_the_context_of_the_business_message()
    {
        var id = (await WriteAsync($"/sandbox/customers/{SandboxHost.PhoneNumberId}/messages",
            new { from = "5493515550103", text = "Yes", reply_to = "wamid.business-1" })).GetProperty("id").GetString()!;

        Assert.Equal("wamid.business-1", (await host.Receiver.WaitForMessageAsync(id)).ReplyToProviderId);
    }

    [Fact]
    public async Task Customer_image_references_media_the_worker_can_download()
    {
        var bytes = RandomNumberGenerator.GetBytes(300);
        var accepted = await WriteAsync($"/sandbox/customers/{SandboxHost.PhoneNumberId}/messages", new
        {
            from = "5493515550104",
            type = "image",
            caption = "receipt",
            mime_type = "image/jpeg",
            content_base64 = Convert.ToBase64String(bytes),
        });
        var id = accepted.GetProperty("id").GetString()!;
        var mediaId = accepted.GetProperty("media_id").GetString()!;

        var webhook = await host.Receiver.WaitForAsync(w => w.Parsed.Messages.Any(m => m.ProviderMessageId == id));
        var media = webhook.Parsed.Media.Single(m => m.ProviderMessageId == id);
        Assert.Equal(mediaId, media.ProviderMediaId);
        Assert.Equal("image/jpeg", media.MimeType);
        Assert.Equal("receipt", webhook.Parsed.Messages.Single().Body);

        var url = (await SandboxHost.JsonAsync(await host.GraphAsync(HttpMethod.Get, mediaId))).GetProperty("url").GetString()!;
        using var download = new HttpRequestMessage(HttpMethod.Get, new Uri(url).PathAndQuery);
        download.Headers.Authorization = new("Bearer", SandboxHost.Token);
        Assert.Equal(bytes, await (await host.Client.SendAsync(download)).Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData(SandboxHost.PageId, "page", Channels.Messenger)]
    [InlineData(SandboxHost.InstagramId, "instagram", Channels.Instagram)]
    public async Task Page_customer_message_arrives_with_the_pages_object_and_millisecond_timestamps(string accountId, string @object, string channel)
    {
        var id = (await WriteAsync($"/sandbox/pages/{accountId}/messages", new { psid = "6100000000101", text = "Hello page" }))
            .GetProperty("id").GetString()!;

        var webhook = await host.Receiver.WaitForAsync(w => w.Parsed.Messages.Any(m => m.ProviderMessageId == id));
        var message = webhook.Parsed.Messages.Single(m => m.ProviderMessageId == id);

        Assert.Equal(@object, webhook.Parsed.ObjectKind);
        Assert.Equal(channel, message.Channel);
        Assert.Equal(accountId, message.AccountExternalId);
        Assert.Equal("6100000000101", message.CustomerExternalId);
        Assert.Equal("Hello page", message.Body);
        using var body = JsonDocument.Parse(webhook.Body);
        Assert.True(body.RootElement.GetProperty("entry")[0].GetProperty("messaging")[0].GetProperty("timestamp").GetInt64() > 1_000_000_000_000);
    }

    [Fact]
    public async Task Customer_message_to_an_unknown_number_is_not_found()
    {
        using var response = await host.Client.PostAsJsonAsync("/sandbox/customers/404404/messages", new { from = "5493515550105", text = "?" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("/sandbox/customers/" + SandboxHost.PageId + "/messages")]
    [InlineData("/sandbox/customers/" + SandboxHost.PhoneNumberId + "/messages")]
    public async Task Customer_message_of_the_wrong_kind_or_without_text_is_a_validation_problem(string path)
    {
        using var response = await host.Client.PostAsJsonAsync(path, new { from = "5493515550106" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
