using System.Net;

namespace MultichannelMessages.WebhookApi.Tests;

public sealed class MessengerInstagramTests(WebhookHost host) : IClassFixture<WebhookHost>
{
    private const string Psid = "2900000000000001";

    [Fact]
    public async Task Messenger_text_uses_millisecond_timestamps()
    {
        var json = Payloads.Messenger($$$"""{"sender":{"id":"{{{Psid}}}"},"recipient":{"id":"{{{Payloads.PageId}}}"},"timestamp":1700000000123,"message":{"mid":"m_ms-1","text":"hello page"}}""");
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(json)).StatusCode);
        var row = await host.RowAsync("select body, occurred_at, direction from chat.messages where provider_message_id = 'm_ms-1'");
        Assert.Equal("hello page", (string)row!.body);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000123).UtcDateTime, ((DateTime)row.occurred_at).ToUniversalTime());
    }

    [Fact]
    public async Task Messenger_events_under_standby_are_ingested()
    {
        var json = Payloads.Messenger($$$"""{"sender":{"id":"{{{Psid}}}2"},"recipient":{"id":"{{{Payloads.PageId}}}"},"timestamp":1700000001000,"message":{"mid":"m_standby-1","text":"handover"}}""", list: "standby");
        await host.PostAsync(json);
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'm_standby-1'"));
    }

    [Fact]
    public async Task Messenger_echo_is_outbound_and_read_watermark_marks_earlier_outbound_read()
    {
        var customer = Psid + "3";
        await host.PostAsync(Payloads.Messenger($$$"""{"sender":{"id":"{{{customer}}}"},"recipient":{"id":"{{{Payloads.PageId}}}"},"timestamp":1700000000000,"message":{"mid":"m_in-3","text":"question"}}"""));
        await host.PostAsync(Payloads.Messenger($$$"""{"sender":{"id":"{{{Payloads.PageId}}}"},"recipient":{"id":"{{{customer}}}"},"timestamp":1700000005000,"message":{"mid":"m_echo-3","is_echo":true,"app_id":1517776481860111,"text":"answer"}}"""));
        await host.PostAsync(Payloads.Messenger($$$"""{"sender":{"id":"{{{Payloads.PageId}}}"},"recipient":{"id":"{{{customer}}}"},"timestamp":1700000900000,"message":{"mid":"m_echo-4","is_echo":true,"text":"after watermark"}}"""));
        var echo = await host.RowAsync("select direction, is_echo, status from chat.messages where provider_message_id = 'm_echo-3'");
        Assert.Equal("out", (string)echo!.direction);
        Assert.True((bool)echo.is_echo);

        await host.PostAsync(Payloads.Messenger($$$"""{"sender":{"id":"{{{customer}}}"},"recipient":{"id":"{{{Payloads.PageId}}}"},"timestamp":1700000010000,"read":{"watermark":1700000006000}}"""));
        Assert.Equal("read", await host.ScalarAsync<string>("select status from chat.messages where provider_message_id = 'm_echo-3'"));
        Assert.Equal(1L, await host.ScalarAsync<long>("""
            select count(*) from ops.change_feed f join chat.messages m on m.id = f.message_id
            where m.provider_message_id = 'm_echo-3' and f.kind = 'message_status'
            """));
        Assert.Equal("sent", await host.ScalarAsync<string>("select status from chat.messages where provider_message_id = 'm_echo-4'"));
        Assert.Equal(1L, await host.ScalarAsync<long>("""
            select count(*) from chat.conversations cv join chat.contacts c on c.id = cv.contact_id where c.external_id = @Customer
            """, new { Customer = customer }));
    }

    [Fact]
    public async Task Messenger_delivery_with_mids_marks_those_messages_delivered()
    {
        var customer = Psid + "4";
        await host.PostAsync(Payloads.Messenger($$$"""{"sender":{"id":"{{{Payloads.PageId}}}"},"recipient":{"id":"{{{customer}}}"},"timestamp":1700000005000,"message":{"mid":"m_dl-1","is_echo":true,"text":"a"}}"""));
        await host.PostAsync(Payloads.Messenger($$$"""{"sender":{"id":"{{{customer}}}"},"recipient":{"id":"{{{Payloads.PageId}}}"},"timestamp":1700000006000,"delivery":{"mids":["m_dl-1"],"watermark":1700000005500}}"""));
        Assert.Equal("delivered", await host.ScalarAsync<string>("select status from chat.messages where provider_message_id = 'm_dl-1'"));
    }

    [Fact]
    public async Task Messenger_postback_is_an_inbound_message_with_its_title()
    {
        await host.PostAsync(Payloads.Messenger($$$"""{"sender":{"id":"{{{Psid}}}5"},"recipient":{"id":"{{{Payloads.PageId}}}"},"timestamp":1700000000000,"postback":{"mid":"m_pb-1","title":"Talk to an agent","payload":"AGENT"}}"""));
        var row = await host.RowAsync("select type, body, direction from chat.messages where provider_message_id = 'm_pb-1'");
        Assert.Equal("postback", (string)row!.type);
        Assert.Equal("Talk to an agent", (string)row.body);
    }

    [Fact]
    public async Task Instagram_message_with_attachment_creates_media_reference()
    {
        var json = Payloads.Messenger("""{"sender":{"id":"7300000000000001"},"recipient":{"id":"17841400000000001"},"timestamp":1700000000000,"message":{"mid":"aWdfZAG1-ig-1","attachments":[{"type":"image","payload":{"url":"https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1"}}]}}""",
            pageId: Payloads.InstagramId, obj: "instagram");
        await host.PostAsync(json);
        var row = await host.RowAsync("""
            select m.type, a.channel, md.kind, md.url from chat.messages m join meta.accounts a on a.id = m.account_id
            join chat.media md on md.message_id = m.id where m.provider_message_id = 'aWdfZAG1-ig-1'
            """);
        Assert.Equal("instagram", (string)row!.channel);
        Assert.Equal("image", (string)row.kind);
        Assert.StartsWith("https://lookaside", (string)row.url);
    }

    [Fact]
    public async Task Instagram_read_by_mid_without_sender_marks_the_message_read()
    {
        await host.PostAsync(Payloads.Messenger("""{"sender":{"id":"17841400000000001"},"recipient":{"id":"7300000000000002"},"timestamp":1700000000000,"message":{"mid":"aWdfZAG1-ig-2","is_echo":true,"text":"our reply"}}""",
            pageId: Payloads.InstagramId, obj: "instagram"));
        await host.PostAsync(Payloads.Messenger("""{"recipient":{"id":"17841400000000001"},"timestamp":1700000005000,"read":{"mid":"aWdfZAG1-ig-2"}}""",
            pageId: Payloads.InstagramId, obj: "instagram"));
        Assert.Equal("read", await host.ScalarAsync<string>("select status from chat.messages where provider_message_id = 'aWdfZAG1-ig-2'"));
    }

    [Fact]
    public async Task Instagram_unsent_message_is_marked_deleted()
    {
        await host.PostAsync(Payloads.Messenger("""{"sender":{"id":"7300000000000003"},"recipient":{"id":"17841400000000001"},"timestamp":1700000000000,"message":{"mid":"aWdfZAG1-ig-3","text":"regret"}}""",
            pageId: Payloads.InstagramId, obj: "instagram"));
        await host.PostAsync(Payloads.Messenger("""{"sender":{"id":"7300000000000003"},"recipient":{"id":"17841400000000001"},"timestamp":1700000009000,"message":{"mid":"aWdfZAG1-ig-3","is_deleted":true}}""",
            pageId: Payloads.InstagramId, obj: "instagram"));
        Assert.True(await host.ScalarAsync<bool>("select deleted_at is not null from chat.messages where provider_message_id = 'aWdfZAG1-ig-3'"));
    }
}
