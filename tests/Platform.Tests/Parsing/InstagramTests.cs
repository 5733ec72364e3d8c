using MultichannelMessages.Platform.Meta;
using Xunit;

namespace MultichannelMessages.Platform.Tests.Parsing;

/// <summary>
/// object = instagram. No captured payloads exist, so these are written from Meta's Instagram Messaging webhook
/// reference: echoes come in the messages field with is_echo, reads (messaging_seen) carry read.mid, an unsent
/// message carries is_deleted, story replies carry reply_to.story and story mentions a story_mention attachment.
/// </summary>
public class InstagramTests
{
    private const string IgAccount = "17841400000000001";
    private const string Igsid = "5912000000000002";

    private static ParsedWebhook Events(string events) => Parsed.Json($$"""
        {"object":"instagram","entry":[{"id":"{{IgAccount}}","time":1569262486134,"messaging":[{{events}}]}]}
        """).Clean();

    private static string From(string body) => $$"""
        {"sender":{"id":"{{Igsid}}"},"recipient":{"id":"{{IgAccount}}"},"timestamp":1569262485349,{{body}}}
        """;

    [Fact]
    public void Text_message_yields_one_inbound_instagram_row()
    {
        var parsed = Events(From("""  "message":{"mid":"aWdfZAG1faXRlbToxOklH","text":"hi there"}  """));

        var row = Assert.Single(parsed.Messages);
        Assert.Equal("instagram", parsed.ObjectKind);
        Assert.Equal(Channels.Instagram, row.Channel);
        Assert.Equal(IgAccount, row.AccountExternalId);
        Assert.Equal(Igsid, row.CustomerExternalId);
        Assert.Equal("aWdfZAG1faXRlbToxOklH", row.ProviderMessageId);
        Assert.Equal("text", row.Type);
        Assert.Equal("hi there", row.Body);
        Assert.Equal("in", row.Direction);
        Assert.Equal(Parsed.Utc("2019-09-23T18:14:45.349Z"), row.OccurredAt);
    }

    [Fact]
    public void Echo_from_the_instagram_account_is_outbound_to_the_recipient()
    {
        var row = Assert.Single(Events($$"""
            {"sender":{"id":"{{IgAccount}}"},"recipient":{"id":"{{Igsid}}"},"timestamp":1569262485349,
             "message":{"mid":"m_echo","text":"thanks!","is_echo":true} }
            """).Messages);

        Assert.Equal("out", row.Direction);
        Assert.True(row.IsEcho);
        Assert.Equal(Igsid, row.CustomerExternalId);
        Assert.Equal(IgAccount, row.AccountExternalId);
    }

    [Fact]
    public void Unsent_message_is_a_deleted_status_not_a_message()
    {
        var parsed = Events(From("""  "message":{"mid":"m_unsent","is_deleted":true}  """));

        Assert.Empty(parsed.Messages);
        var status = Assert.Single(parsed.Statuses);
        Assert.Equal("deleted", status.Status);
        Assert.Equal("m_unsent", status.ProviderMessageId);
        Assert.Equal(Igsid, status.CustomerExternalId);
        Assert.Equal(Channels.Instagram, status.Channel);
    }

    [Fact]
    public void Seen_receipt_names_the_message_read()
    {
        var status = Assert.Single(Events(From("""  "read":{"mid":"m_read"}  """)).Statuses);

        Assert.Equal("read", status.Status);
        Assert.Equal("m_read", status.ProviderMessageId);
        Assert.Null(status.Watermark);
        Assert.Equal(Igsid, status.CustomerExternalId);
        Assert.Equal(Parsed.Utc("2019-09-23T18:14:45.349Z"), status.OccurredAt);
    }

    [Fact]
    public void Seen_receipt_without_sender_has_no_customer()
    {
        var status = Assert.Single(Events($$"""
            {"recipient":{"id":"{{IgAccount}}"},"timestamp":1569262485349,"read":{"mid":"m_read"} }
            """).Statuses);

        Assert.Null(status.CustomerExternalId);
        Assert.Equal("m_read", status.ProviderMessageId);
    }

    [Fact]
    public void Reply_to_a_message_points_at_its_mid()
    {
        var row = Assert.Single(Events(From("""
            "message":{"mid":"m_reply","text":"yes","reply_to":{"mid":"m_question"}}
            """)).Messages);

        Assert.Equal("text", row.Type);
        Assert.Equal("m_question", row.ReplyToProviderId);
    }

    [Fact]
    public void Reply_to_a_story_is_a_story_reply_with_the_story_kept_in_the_payload()
    {
        var row = Assert.Single(Events(From("""
            "message":{"mid":"m_story_reply","text":"love this","reply_to":{"story":{"url":"https://lookaside.fbsbx.com/story","id":"17900000000000003"}}}
            """)).Messages);

        Assert.Equal("story_reply", row.Type);
        Assert.Equal("love this", row.Body);
        Assert.Null(row.ReplyToProviderId);
        Assert.Equal("17900000000000003", Parsed.Path(row.PayloadJson, "message", "reply_to", "story", "id"));
    }

    [Fact]
    public void Story_mention_is_its_own_type_with_the_cdn_url_as_media()
    {
        var parsed = Events(From("""
            "message":{"mid":"m_mention","attachments":[{"type":"story_mention","payload":{"url":"https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1"}}]}
            """));

        Assert.Equal("story_mention", Assert.Single(parsed.Messages).Type);
        var media = Assert.Single(parsed.Media);
        Assert.Equal("story_mention", media.Kind);
        Assert.Equal("https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1", media.Url);
        Assert.Equal("m_mention", media.ProviderMessageId);
    }

    [Fact]
    public void Several_attachments_yield_ordered_media_rows()
    {
        var parsed = Events(From("""
            "message":{"mid":"m_multi","attachments":[
              {"type":"image","payload":{"url":"https://cdn/1.jpg"}},
              {"type":"video","payload":{"url":"https://cdn/2.mp4"}},
              {"type":"ig_reel","payload":{"url":"https://cdn/reel","title":"a reel","reel_video_id":"123"}}]}
            """));

        Assert.Equal("image", Assert.Single(parsed.Messages).Type);
        Assert.Equal(["image", "video", "ig_reel"], parsed.Media.Select(m => m.Kind));
        Assert.Equal(["https://cdn/1.jpg", "https://cdn/2.mp4", "https://cdn/reel"], parsed.Media.Select(m => m.Url));
        Assert.Equal([0, 1, 2], parsed.Media.Select(m => m.Ordinal));
    }

    [Fact]
    public void Quick_reply_is_its_own_type()
    {
        var row = Assert.Single(Events(From("""
            "message":{"mid":"m_qr","text":"Red","quick_reply":{"payload":"COLOR_RED"}}
            """)).Messages);

        Assert.Equal("quick_reply", row.Type);
        Assert.Equal("Red", row.Body);
    }

    [Fact]
    public void Unsupported_media_is_typed_unsupported()
    {
        var row = Assert.Single(Events(From("""  "message":{"mid":"m_gif","is_unsupported":true}  """)).Messages);

        Assert.Equal("unsupported", row.Type);
        Assert.Null(row.Body);
    }

    [Fact]
    public void Reaction_and_unreact()
    {
        var parsed = Events(
            From("""  "reaction":{"mid":"m_target","action":"react","reaction":"love","emoji":"❤"}  """) + "," +
            From("""  "reaction":{"mid":"m_target","action":"unreact"}  """));

        Assert.Equal(["❤", null], parsed.Messages.Select(m => m.Body));
        Assert.All(parsed.Messages, m =>
        {
            Assert.Equal("reaction", m.Type);
            Assert.Equal("m_target", m.ReplyToProviderId);
            Assert.Null(m.ProviderMessageId);
        });
    }

    [Fact]
    public void Postback_with_mid_keeps_it_as_the_message_id()
    {
        var row = Assert.Single(Events(From("""
            "postback":{"mid":"m_postback","title":"Track my order","payload":"TRACK"}
            """)).Messages);

        Assert.Equal("postback", row.Type);
        Assert.Equal("Track my order", row.Body);
        Assert.Equal("m_postback", row.ProviderMessageId);
    }

    [Fact]
    public void Referral_without_a_message_is_named_in_unhandled()
    {
        var parsed = Events(From("""  "referral":{"ref":"summer","source":"IGME","type":"OPEN_THREAD"}  """));

        Assert.True(parsed.IsEmpty);
        Assert.Equal(["messaging:referral"], parsed.Unhandled);
    }

    [Fact]
    public void Comment_changes_are_named_in_unhandled()
    {
        var parsed = Parsed.Json($$"""
            {"object":"instagram","entry":[{"id":"{{IgAccount}}","time":1569262486,"changes":[
              {"field":"comments","value":{"id":"c1","from":{"id":"{{Igsid}}","username":"someone"},"text":"nice","media":{"id":"m1"} } }]}]}
            """).Clean();

        Assert.True(parsed.IsEmpty);
        Assert.Equal(["field:comments"], parsed.Unhandled);
    }
}
