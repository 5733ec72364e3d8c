using MultichannelMessages.Platform.Meta;
using Xunit;

namespace MultichannelMessages.Platform.Tests.Parsing;

/// <summary>Messenger (object = page): the facts SOURCES.md lists, plus shapes the fixtures lack (standby, reactions).</summary>
public class MessengerTests
{
    private const string Mid = "mid.1457764197618:41d102a3e1ae206a38";

    private static ParsedWebhook Fixture(string file) => Parsed.Fixture($"messenger/{file}").Clean();

    [Theory]
    [InlineData("m4j_text.json", "PAGE_ID", "USER_ID", Mid, "text", "hello, text message world!", "2016-03-23T00:25:52.478Z")]
    [InlineData("m4j_text_with_nlp.json", "PAGE_ID", "USER_ID", Mid, "text", "hello, text message world!", "2016-03-23T00:25:52.478Z")]
    [InlineData("m4j_quick_reply.json", "PAGE_ID", "USER_ID", Mid, "quick_reply", "hello, world!", "2016-03-23T00:25:52.478Z")]
    [InlineData("hs_text_seq.json", "111111", "USER_ID", Mid, "text", "hello, world!", "2016-03-12T06:29:57.627Z")]
    [InlineData("signed_text_messenger4j_sha1_raw.json", "1717527131834678", "1256217357730577", "mid.1475942721728:3b9e3646712f9bed52", "text", "34wrr3wr", "2016-10-08T16:05:21.741Z")]
    public void Inbound_message_yields_one_row_from_the_sender_dated_in_milliseconds(
        string file, string page, string sender, string mid, string type, string body, string instant)
    {
        var parsed = Fixture(file);

        var row = Assert.Single(parsed.Messages);
        Assert.Equal("page", parsed.ObjectKind);
        Assert.Equal(Channels.Messenger, row.Channel);
        Assert.Equal(page, row.AccountExternalId);
        Assert.Null(row.BusinessAccountId);
        Assert.Equal(sender, row.CustomerExternalId);
        Assert.Equal(mid, row.ProviderMessageId);
        Assert.Equal(type, row.Type);
        Assert.Equal(body, row.Body);
        Assert.Equal(Parsed.Utc(instant), row.OccurredAt);
        Assert.Equal("in", row.Direction);
        Assert.False(row.IsEcho);
        Assert.Empty(parsed.Media);
    }

    [Fact]
    public void Quick_reply_payload_stays_in_the_payload()
    {
        var row = Assert.Single(Fixture("m4j_quick_reply.json").Messages);

        Assert.Equal("DEVELOPER_DEFINED_PAYLOAD", Parsed.Path(row.PayloadJson, "message", "quick_reply", "payload"));
    }

    [Fact]
    public void Each_attachment_yields_a_media_row_in_order()
    {
        var parsed = Fixture("m4j_attachments_image_fallback_location.json");

        var row = Assert.Single(parsed.Messages);
        Assert.Equal("image", row.Type);
        Assert.Equal("mid.1458696618141:b4ef9d19ec21086067", row.ProviderMessageId);
        Assert.Equal(["image", "fallback", "location"], parsed.Media.Select(m => m.Kind));
        Assert.Equal([0, 1, 2], parsed.Media.Select(m => m.Ordinal));
        Assert.All(parsed.Media, m => Assert.Equal(row.ProviderMessageId, m.ProviderMessageId));
        Assert.Equal("http://image.url", parsed.Media[0].Url);
        Assert.Equal("<TITLE_OF_THE_URL_ATTACHMENT>", parsed.Media[1].Caption);
    }

    [Fact]
    public void Image_attachment_keeps_its_url()
    {
        var parsed = Fixture("hs_image_attachment.json");

        var row = Assert.Single(parsed.Messages);
        Assert.Equal("image", row.Type);
        Assert.Null(row.Body);
        Assert.Equal(Parsed.Utc("2016-03-23T01:30:18.268Z"), row.OccurredAt);
        var media = Assert.Single(parsed.Media);
        Assert.Equal(("image", "IMAGE_URL", "111111"), (media.Kind, media.Url, media.AccountExternalId));
    }

    [Fact]
    public void Echo_is_outbound_and_the_customer_is_the_recipient()
    {
        var row = Assert.Single(Fixture("m4j_echo_text.json").Messages);

        Assert.Equal("out", row.Direction);
        Assert.True(row.IsEcho);
        Assert.Equal("USER_ID", row.CustomerExternalId);
        Assert.Equal("PAGE_ID", row.AccountExternalId);
        Assert.Equal(Mid, row.ProviderMessageId);
        Assert.Equal("hello, text message world!", row.Body);
        Assert.Equal(Parsed.Utc("2016-11-25T22:58:20.296Z"), row.OccurredAt);
    }

    [Fact]
    public void Echo_of_a_receipt_template_reads_as_its_title()
    {
        var parsed = Fixture("m4j_echo_receipt_template.json");

        var row = Assert.Single(parsed.Messages);
        Assert.True(row.IsEcho);
        Assert.Equal("1256299999730577", row.CustomerExternalId);
        Assert.Equal("171999997131834678", row.AccountExternalId);
        Assert.Equal("mid.1480199999925:83392d9f65", row.ProviderMessageId);
        Assert.Equal("template", row.Type);
        Assert.Equal("Samsung Gear VR, Oculus Rift", row.Body);
        Assert.Equal(Parsed.Utc("2016-11-26T00:33:22.725Z"), row.OccurredAt);
        var media = Assert.Single(parsed.Media);
        Assert.Equal("template", media.Kind);
        Assert.Null(media.Url);
    }

    [Theory]
    [InlineData("m4j_postback.json", "<PSID>", "<TITLE_FOR_THE_CTA>")]
    [InlineData("m4j_postback_with_referral.json", "<PSID>", "<TITLE_FOR_THE_CTA>")]
    [InlineData("hs_postback.json", "USER_ID", null)]
    public void Postback_reads_as_the_button_title_and_has_no_message_id(string file, string sender, string? title)
    {
        var row = Assert.Single(Fixture(file).Messages);

        Assert.Equal("postback", row.Type);
        Assert.Equal(title, row.Body);
        Assert.Null(row.ProviderMessageId);
        Assert.Equal(sender, row.CustomerExternalId);
        Assert.Equal(Parsed.Utc("2016-03-23T00:25:52.478Z"), row.OccurredAt);
        Assert.NotNull(Parsed.Path(row.PayloadJson, "postback", "payload"));
    }

    [Fact]
    public void Read_receipt_marks_everything_before_its_watermark()
    {
        var parsed = Fixture("m4j_read_watermark.json");

        var status = Assert.Single(parsed.Statuses);
        Assert.Equal("read", status.Status);
        Assert.Null(status.ProviderMessageId);
        Assert.Equal(Parsed.Utc("2016-03-22T17:47:36.253Z"), status.Watermark);
        Assert.Equal(Parsed.Utc("2016-03-22T17:47:36.463Z"), status.OccurredAt);
        Assert.Equal("USER_ID", status.CustomerExternalId);
        Assert.Equal("PAGE_ID", status.AccountExternalId);
        Assert.Empty(parsed.Messages);
    }

    [Theory]
    [InlineData("m4j_delivery_mids.json", "PAGE_ID")]
    [InlineData("hs_delivery.json", "111111")]
    public void Delivery_with_mids_yields_one_delivered_status_per_mid_without_time(string file, string page)
    {
        var status = Assert.Single(Fixture(file).Statuses);

        Assert.Equal("delivered", status.Status);
        Assert.Equal("mid.1458668856218:ed81099e15d3f4f233", status.ProviderMessageId);
        Assert.Equal(page, status.AccountExternalId);
        Assert.Equal("USER_ID", status.CustomerExternalId);
        Assert.Null(status.OccurredAt);
        Assert.Null(status.Watermark);
    }

    [Fact]
    public void Delivery_of_several_mids_yields_one_status_each()
    {
        var parsed = Parsed.Json("""
            {"object":"page","entry":[{"id":"PAGE","messaging":[
              {"sender":{"id":"PSID"},"recipient":{"id":"PAGE"},"delivery":{"mids":["m1","m2","m3"],"watermark":1458668856253}}]}]}
            """).Clean();

        Assert.Equal(["m1", "m2", "m3"], parsed.Statuses.Select(s => s.ProviderMessageId));
        Assert.All(parsed.Statuses, s => Assert.Equal("delivered", s.Status));
    }

    [Fact]
    public void Delivery_without_mids_yields_one_watermark_status()
    {
        var status = Assert.Single(Fixture("m4j_delivery_watermark_only.json").Statuses);

        Assert.Equal("delivered", status.Status);
        Assert.Null(status.ProviderMessageId);
        Assert.Equal(Parsed.Utc("2016-03-22T17:47:36.253Z"), status.Watermark);
    }

    [Theory]
    [InlineData("m4j_optin_user_ref_no_sender.json", "messaging:optin")]
    [InlineData("hs_optin_auth.json", "messaging:optin")]
    [InlineData("m4j_account_linking.json", "messaging:account_linking")]
    [InlineData("m4j_referral_ads.json", "messaging:referral")]
    [InlineData("m4j_referral_shortlink.json", "messaging:referral")]
    [InlineData("m4j_unknown_event_type.json", "messaging:EVENT_TYPE_THAT_IS_UNSUPPORTED")]
    public void Event_the_inbox_does_not_store_is_named_in_unhandled(string file, string unhandled)
    {
        var parsed = Fixture(file);

        Assert.True(parsed.IsEmpty);
        Assert.Equal([unhandled], parsed.Unhandled);
    }

    [Fact]
    public void Object_other_than_page_is_refused_with_nothing_parsed()
    {
        var parsed = Parsed.Fixture("messenger/m4j_object_not_page_negative.json");

        Assert.Equal("unknown_object: testValue", parsed.Error);
        Assert.Equal("testValue", parsed.ObjectKind);
        Assert.True(parsed.IsEmpty);
    }

    [Fact]
    public void Standby_events_are_parsed_like_messaging_events()
    {
        var parsed = Parsed.Json("""
            {"object":"page","entry":[{"id":"PAGE","time":1700000000000,
              "standby":[{"sender":{"id":"PSID"},"recipient":{"id":"PAGE"},"timestamp":1700000000123,
                          "message":{"mid":"m_standby","text":"while another app holds the thread"}}],
              "messaging":[{"sender":{"id":"PSID"},"recipient":{"id":"PAGE"},"timestamp":1700000000456,
                            "message":{"mid":"m_primary","text":"hello"}}]}]}
            """).Clean();

        Assert.Equal(["m_primary", "m_standby"], parsed.Messages.Select(m => m.ProviderMessageId));
        Assert.Equal(Parsed.Utc("2023-11-14T22:13:20.123Z"), parsed.Messages[1].OccurredAt);
    }

    [Fact]
    public void Reaction_reads_as_the_emoji_points_at_the_message_and_has_no_id()
    {
        var row = Assert.Single(Parsed.Json("""
            {"object":"page","entry":[{"id":"PAGE","time":1458668856463,"messaging":[
              {"sender":{"id":"PSID"},"recipient":{"id":"PAGE"},"timestamp":1458668856463,
               "reaction":{"reaction":"love","emoji":"\u2764\uFE0F","action":"react","mid":"m_target"}}]}]}
            """).Clean().Messages);

        Assert.Equal("reaction", row.Type);
        Assert.Equal("\u2764\uFE0F", row.Body);
        Assert.Equal("m_target", row.ReplyToProviderId);
        Assert.Null(row.ProviderMessageId);
        Assert.Equal("PSID", row.CustomerExternalId);
    }

    [Fact]
    public void Unreact_has_no_body()
    {
        var row = Assert.Single(Parsed.Json("""
            {"object":"page","entry":[{"id":"PAGE","messaging":[
              {"sender":{"id":"PSID"},"recipient":{"id":"PAGE"},"timestamp":1458668856463,
               "reaction":{"reaction":"love","emoji":"\u2764\uFE0F","action":"unreact","mid":"m_target"}}]}]}
            """).Clean().Messages);

        Assert.Null(row.Body);
        Assert.Equal("m_target", row.ReplyToProviderId);
    }

    [Fact]
    public void Message_edit_points_at_the_edited_message_and_reads_as_the_new_text()
    {
        var row = Assert.Single(Parsed.Json("""
            {"object":"page","entry":[{"id":"PAGE","messaging":[
              {"sender":{"id":"PSID"},"recipient":{"id":"PAGE"},"timestamp":1700000000000,
               "message_edit":{"mid":"m_original","text":"fixed typo","num_edit":1}}]}]}
            """).Clean().Messages);

        Assert.Equal("edit", row.Type);
        Assert.Equal("fixed typo", row.Body);
        Assert.Equal("m_original", row.ReplyToProviderId);
        Assert.Null(row.ProviderMessageId);
    }

    [Fact]
    public void Location_attachment_without_text_reads_as_latitude_comma_longitude()
    {
        var row = Assert.Single(Parsed.Json("""
            {"object":"page","entry":[{"id":"PAGE","messaging":[
              {"sender":{"id":"PSID"},"recipient":{"id":"PAGE"},"timestamp":1700000000000,
               "message":{"mid":"m1","attachments":[{"type":"location","payload":{"coordinates":{"lat":52.3765533,"long":9.7389123}}}]}}]}]}
            """).Clean().Messages);

        Assert.Equal("location", row.Type);
        Assert.Equal("52.3765533,9.7389123", row.Body);
    }

    [Fact]
    public void Feed_changes_on_a_page_are_named_in_unhandled()
    {
        var parsed = Parsed.Json("""
            {"object":"page","entry":[{"id":"PAGE","time":1700000000,"changes":[{"field":"feed","value":{"item":"comment"}}]}]}
            """).Clean();

        Assert.True(parsed.IsEmpty);
        Assert.Equal(["field:feed"], parsed.Unhandled);
    }
}
