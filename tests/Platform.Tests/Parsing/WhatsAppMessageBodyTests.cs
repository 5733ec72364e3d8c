using MultichannelMessages.Platform.Meta;
using Xunit;

namespace MultichannelMessages.Platform.Tests.Parsing;

/// <summary>What each WhatsApp message type reads as in the thread, and the media it carries.</summary>
public class WhatsAppMessageBodyTests
{
    private const string PywaPhone = "1122334455667";

    private static MessageRow Single(string file) => Assert.Single(Parsed.Fixture($"whatsapp/{file}").Clean().Messages);

    [Fact]
    public void Image_yields_a_media_row_with_id_mime_and_sha256()
    {
        var parsed = Parsed.Fixture("whatsapp/msg_image.json").Clean();

        var media = Assert.Single(parsed.Media);
        Assert.Equal("image", media.Kind);
        Assert.Equal("65463453", media.ProviderMediaId);
        Assert.Equal("image/jpeg", media.MimeType);
        Assert.Equal("4654+8g=", media.Sha256);
        Assert.Equal("wamid.xyzxyz", media.ProviderMessageId);
        Assert.Equal(PywaPhone, media.AccountExternalId);
        Assert.Equal(Channels.WhatsApp, media.Channel);
        Assert.Equal(0, media.Ordinal);
        Assert.Null(media.Url);
        Assert.Null(Assert.Single(parsed.Messages).Body);
    }

    [Fact]
    public void Image_with_lookaside_url_keeps_the_url()
    {
        var media = Assert.Single(Parsed.Fixture("whatsapp/msg_image_with_url.json").Clean().Media);

        Assert.Equal("65463453", media.ProviderMediaId);
        Assert.StartsWith("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=65463453", media.Url);
    }

    [Fact]
    public void Forwarded_video_caption_is_the_body_and_forwarding_is_not_a_reply()
    {
        var parsed = Parsed.Fixture("whatsapp/msg_video_forwarded_caption.json").Clean();

        var row = Assert.Single(parsed.Messages);
        Assert.Equal("caption", row.Body);
        Assert.Null(row.ReplyToProviderId);
        Assert.Equal("true", Parsed.Path(row.PayloadJson, "context", "forwarded"));
        var media = Assert.Single(parsed.Media);
        Assert.Equal(("video", "765756756", "video/mp4", "caption"), (media.Kind, media.ProviderMediaId, media.MimeType, media.Caption));
    }

    [Fact]
    public void Document_carries_file_name_and_caption()
    {
        var parsed = Parsed.Fixture("whatsapp/msg_document.json").Clean();

        Assert.Equal("caption", Assert.Single(parsed.Messages).Body);
        var media = Assert.Single(parsed.Media);
        Assert.Equal("document", media.Kind);
        Assert.Equal("1234567890987654321", media.ProviderMediaId);
        Assert.Equal("application/pdf", media.MimeType);
        Assert.Equal("filename.pdf", media.FileName);
        Assert.Equal("caption", media.Caption);
    }

    [Theory]
    [InlineData("msg_audio.json", "audio", "audio/ogg; codecs=opus", "E3dxS/PdYZE7ppA3pQ4mpCFaXBJ8pX4SRN/dsfvds/iPGA=")]
    [InlineData("msg_audio_voice.json", "audio", "audio/ogg; codecs=opus", "m04pFf2ERdaopTyFkGPA0+bX3i+YY2dYgVFwOgDLSDI=")]
    [InlineData("msg_sticker_static.json", "sticker", "image/webp", "OmT4nhjUhCMIPNmj7eeOZeCYjTXkLxoOv85OMCFwSuc=")]
    [InlineData("msg_sticker_animated.json", "sticker", "image/webp", "HcwyCKrTKXHk0a00ms4HWIA76GY0Du6q4Z/iuwevw=")]
    public void Audio_and_sticker_have_media_but_no_body(string file, string kind, string mime, string sha256)
    {
        var parsed = Parsed.Fixture($"whatsapp/{file}").Clean();

        Assert.Null(Assert.Single(parsed.Messages).Body);
        var media = Assert.Single(parsed.Media);
        Assert.Equal(kind, media.Kind);
        Assert.Equal("1234567890987654321", media.ProviderMediaId);
        Assert.Equal(mime, media.MimeType);
        Assert.Equal(sha256, media.Sha256);
    }

    [Fact]
    public void Reaction_body_is_the_emoji_and_points_at_the_reacted_message()
    {
        var row = Single("msg_reaction.json");

        Assert.Equal("😮", row.Body);
        Assert.Equal("wamid.yzxyzx=", row.ReplyToProviderId);
        Assert.Equal("wamid.xyzxyz", row.ProviderMessageId);
    }

    [Theory]
    [InlineData("msg_reaction_removed_empty_emoji.json")]
    [InlineData("msg_reaction_removed_no_emoji.json")]
    public void Removed_reaction_has_no_body_but_still_points_at_the_message(string file)
    {
        var row = Single(file);

        Assert.Equal("reaction", row.Type);
        Assert.Null(row.Body);
        Assert.Equal("wamid.yzxyzx=", row.ReplyToProviderId);
    }

    [Fact]
    public void Location_without_a_name_reads_as_latitude_comma_longitude()
    {
        Assert.Equal("12.25089,43.90539", Single("msg_location_current.json").Body);
    }

    [Fact]
    public void Named_location_reads_as_name_and_address()
    {
        Assert.Equal("Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025", Single("msg_location_named.json").Body);
    }

    [Fact]
    public void Contacts_card_reads_as_the_formatted_names()
    {
        Assert.Equal("Chandler Bing, Monica, Rachel Green", Single("msg_contacts.json").Body);
    }

    [Fact]
    public void Order_without_text_reads_as_a_summary_of_the_items()
    {
        Assert.Equal("HAMBURGER x3, FRENCH_FRIES x2, SODA x2", Single("msg_order.json").Body);
    }

    [Theory]
    [InlineData("msg_unsupported.json")]
    [InlineData("msg_unsupported_with_type.json")]
    [InlineData("msg_unsupported_131051_deleted.json")]
    public void Unsupported_message_keeps_the_error_code_and_title(string file)
    {
        var row = Single(file);

        Assert.Equal(131051, row.ErrorCode);
        Assert.Equal("Message type unknown", row.ErrorTitle);
        Assert.Null(row.Body);
    }

    [Fact]
    public void Unsupported_131051_fixture_joins_its_own_contact()
    {
        Assert.Equal("Mauricio Binda", Single("msg_unsupported_131051_deleted.json").CustomerName);
    }

    [Fact]
    public void Interactive_without_its_interactive_object_is_kept_without_a_body()
    {
        var parsed = Parsed.Fixture("whatsapp/msg_interactive_with_errors.json").Clean();

        var row = Assert.Single(parsed.Messages);
        Assert.Null(row.Body);
        Assert.Equal("wamid.gvwegfretge==", row.ReplyToProviderId);
        Assert.Empty(parsed.Unhandled);
    }

    [Theory]
    [InlineData("msg_interactive_button_reply.json", "title", "wamid.xyzxyz")]
    [InlineData("msg_interactive_list_reply.json", "title", "wamid.xyzxyz")]
    [InlineData("msg_interactive_list_reply_description.json", "title", "wamid.xyzxyz")]
    [InlineData("msg_interactive_nfm_reply_flow.json", "Sent", "wamid.gvwegfretge==")]
    [InlineData("msg_interactive_call_permission_accept.json", "accept", "wamid.y==")]
    [InlineData("doc_msg_interactive_button_reply.json", "Change", "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBJBM0Y4RUU0RUNFQkFDMjYzQUMA")]
    public void Interactive_reply_reads_as_the_chosen_title_and_replies_to_the_prompt(string file, string body, string replyTo)
    {
        var row = Single(file);

        Assert.Equal(body, row.Body);
        Assert.Equal(replyTo, row.ReplyToProviderId);
    }

    [Fact]
    public void Template_quick_reply_button_reads_as_its_text()
    {
        var row = Single("msg_button_template_quick_reply.json");

        Assert.Equal("title", row.Body);
        Assert.Equal("wamid.xyzxyz==", row.ReplyToProviderId);
        Assert.Equal("callback_data", Parsed.Path(row.PayloadJson, "button", "payload"));
    }

    [Fact]
    public void System_message_about_a_changed_number_has_no_contact_and_reads_as_its_body()
    {
        var row = Single("msg_system_user_changed_number.json");

        Assert.Equal("User A changed from 972987654321 to 972912345678", row.Body);
        Assert.Null(row.CustomerName);
    }

    [Fact]
    public void System_message_about_a_changed_identity_reads_as_its_body()
    {
        var row = Single("msg_system_identity_changed.json");

        Assert.Equal("User identity changed", row.Body);
        Assert.Equal("User A", row.CustomerName);
    }
}
