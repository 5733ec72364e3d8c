using MultichannelMessages.Platform.Meta;
using Xunit;

namespace MultichannelMessages.Platform.Tests.Parsing;

/// <summary>Inbound WhatsApp messages: the facts SOURCES.md lists for each fixture.</summary>
public class WhatsAppMessageTests
{
    private const string PywaWaba = "1234567890987654321";
    private const string PywaPhone = "1122334455667";
    private const string PywaUser = "972987654321";

    private static MessageRow Single(string file) => Assert.Single(Parsed.Fixture($"whatsapp/{file}").Clean().Messages);

    [Theory]
    [InlineData("msg_text.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "text", "2023-10-11T16:53:43Z")]
    [InlineData("msg_image.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "image", "2023-10-11T16:56:19Z")]
    [InlineData("msg_image_with_url.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "image", "2023-10-11T16:56:19Z")]
    [InlineData("msg_video_forwarded_caption.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "video", "2023-10-11T17:12:42Z")]
    [InlineData("msg_document.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "document", "2023-10-11T17:01:06Z")]
    [InlineData("msg_audio.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "audio", "2023-10-11T16:58:29Z")]
    [InlineData("msg_audio_voice.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "audio", "2023-10-11T16:57:53Z")]
    [InlineData("msg_sticker_static.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "sticker", "2023-10-11T17:02:40Z")]
    [InlineData("msg_sticker_animated.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "sticker", "2023-10-11T17:03:05Z")]
    [InlineData("msg_reaction.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "reaction", "2023-10-11T17:14:16Z")]
    [InlineData("msg_reaction_removed_empty_emoji.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "reaction", "2023-10-11T17:14:16Z")]
    [InlineData("msg_reaction_removed_no_emoji.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "reaction", "2023-10-11T17:14:16Z")]
    [InlineData("msg_location_current.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "location", "2023-10-11T17:15:57Z")]
    [InlineData("msg_location_named.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "location", "2023-10-11T17:15:57Z")]
    [InlineData("msg_contacts.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "contacts", "2023-10-11T17:17:01Z")]
    [InlineData("msg_order.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "order", "2023-10-11T17:17:48Z")]
    [InlineData("msg_unsupported.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "unsupported", "2023-10-11T17:18:26Z")]
    [InlineData("msg_unsupported_with_type.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "unsupported", "2023-10-11T17:18:26Z")]
    [InlineData("msg_text_reply_context.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "text", "2023-10-11T17:19:06Z")]
    [InlineData("msg_text_frequently_forwarded.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "text", "2023-10-11T17:22:48Z")]
    [InlineData("msg_interactive_with_errors.json", PywaWaba, PywaPhone, PywaUser, "wamid.wegrchytvwcggt=", "interactive", "2023-11-20T18:38:14Z")]
    [InlineData("msg_text_ctwa_referral.json", PywaWaba, PywaPhone, PywaUser, "wamid.ID", "text", "2023-10-11T17:23:20Z")]
    [InlineData("msg_interactive_button_reply.json", "5467539754836534", PywaPhone, PywaUser, "wamid.xyzxyz", "interactive", "2023-10-25T20:45:30Z")]
    [InlineData("msg_button_template_quick_reply.json", "5467539754836534", PywaPhone, PywaUser, "wamid.xsidjw", "button", "2023-10-25T21:23:47Z")]
    [InlineData("msg_button_no_context_bsuid.json", "5467539754836534", PywaPhone, PywaUser, "wamid.xsidjx", "button", "2023-10-25T21:23:47Z")]
    [InlineData("msg_interactive_list_reply.json", PywaWaba, PywaPhone, PywaUser, "wamid.zyzxyz", "interactive", "2023-10-25T20:48:25Z")]
    [InlineData("msg_interactive_list_reply_description.json", PywaWaba, PywaPhone, PywaUser, "wamid.zyzxyz", "interactive", "2023-10-25T20:48:25Z")]
    [InlineData("msg_interactive_nfm_reply_flow.json", PywaWaba, PywaPhone, PywaUser, "wamid.wegrchytvwcggt==", "interactive", "2023-12-13T21:21:13Z")]
    [InlineData("msg_system_user_changed_number.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz==", "system", "2025-07-30T04:55:15Z")]
    [InlineData("msg_system_identity_changed.json", PywaWaba, PywaPhone, PywaUser, "wamid.xyzxyz", "system", "2023-10-11T17:18:26Z")]
    [InlineData("msg_edit_image.json", "102290129340398", "106540352242922", "16505551234", "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=", "edit", "2025-06-13T22:42:55Z")]
    [InlineData("msg_interactive_call_permission_accept.json", PywaWaba, PywaPhone, PywaUser, "wamid.x", "interactive", "2025-07-15T12:23:02Z")]
    [InlineData("signed_text_pywa_raw.json", "264937493375603", "277321005464405", "972544401243", "wamid.HBgMOTcyNTQ0NDAxMjQzFQIAEhggM0RFQTNCMEEwRTY3QzUwODYzMDc4NjQ4QzM4ODAxM0YA", "text", "2024-10-29T19:58:23Z")]
    [InlineData("msg_unsupported_131051_deleted.json", "880480571844883", "409552778964973", "1111111111111", "wamid.nBgN6TUyN2k5NzAzM5kzNhUCABI8FDNFQjAxQkE5REI4NEUzQ5Y5QTNgAA==", "unsupported", "2023-01-06T17:29:34Z")]
    [InlineData("doc_msg_text_referred_product.json", "419561257915477", "106540352242922", "16505551234", "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTA2NTUwRkNEMDdFQjJCRUU0NQA=", "text", "2025-06-15T19:46:40Z")]
    [InlineData("doc_msg_text_ctwa_ad_referral.json", "102290129340398", "106540352242922", "16505551234", "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUQ0N0VFMDA2MTQ0RkJFNkNDNAA=", "text", "2025-06-18T19:46:32Z")]
    [InlineData("doc_msg_interactive_button_reply.json", "102290129340398", "106540352242922", "16505551234", "wamid.HBgLMTY0NjcwNDM1OTUVAgASGBQzQThBREYwNzc2RDc2QjA1QTIwMgA=", "interactive", "2024-04-30T20:46:43Z")]
    public void Message_fixture_yields_one_inbound_row_with_its_ids_sender_type_and_instant(
        string file, string waba, string phoneNumberId, string from, string id, string type, string instant)
    {
        var row = Single(file);

        Assert.Equal(Channels.WhatsApp, row.Channel);
        Assert.Equal(waba, row.BusinessAccountId);
        Assert.Equal(phoneNumberId, row.AccountExternalId);
        Assert.Equal(from, row.CustomerExternalId);
        Assert.Equal(id, row.ProviderMessageId);
        Assert.Equal(type, row.Type);
        Assert.Equal(Parsed.Utc(instant), row.OccurredAt);
        Assert.Equal("in", row.Direction);
        Assert.False(row.IsEcho);
    }

    [Fact]
    public void Text_message_yields_one_inbound_row_with_body()
    {
        var parsed = Parsed.Fixture("whatsapp/msg_text.json").Clean();

        var row = Assert.Single(parsed.Messages);
        Assert.Equal("Body Text", row.Body);
        Assert.Null(row.ReplyToProviderId);
        Assert.Null(row.ErrorCode);
        Assert.Empty(parsed.Media);
        Assert.Empty(parsed.Statuses);
        Assert.Equal("whatsapp_business_account", parsed.ObjectKind);
    }

    [Fact]
    public void Contact_profile_name_and_bsuid_are_joined_onto_the_message_by_wa_id()
    {
        var row = Single("msg_text.json");

        Assert.Equal("Test Name", row.CustomerName);
        Assert.Equal("US.13491208655302741918", row.CustomerBsuid);
    }

    [Fact]
    public void Contact_of_another_wa_id_is_not_joined()
    {
        // In this fixture contacts[] names 972987654321 but the message is from 16505551234.
        var row = Single("msg_edit_image.json");

        Assert.Null(row.CustomerName);
        Assert.Null(row.CustomerBsuid);
    }

    [Fact]
    public void From_user_id_on_the_message_is_the_customer_bsuid()
    {
        var row = Single("msg_button_no_context_bsuid.json");

        Assert.Equal("US.13491208655302741918", row.CustomerBsuid);
        Assert.Equal("title", row.Body);
        Assert.Null(row.ReplyToProviderId);
    }

    [Fact]
    public void Payload_keeps_the_whole_message_object_exactly()
    {
        var row = Single("msg_text.json");

        Assert.Equal("wamid.xyzxyz", Parsed.Path(row.PayloadJson, "id"));
        Assert.Equal("Body Text", Parsed.Path(row.PayloadJson, "text", "body"));
    }

    [Fact]
    public void Quoted_reply_points_at_context_id()
    {
        var row = Single("msg_text_reply_context.json");

        Assert.Equal("replied text", row.Body);
        Assert.Equal("wamid.xyzxyz==", row.ReplyToProviderId);
    }

    [Fact]
    public void Frequently_forwarded_text_is_plain_text_with_no_reply()
    {
        var row = Single("msg_text_frequently_forwarded.json");

        Assert.Equal("text forwarded many times", row.Body);
        Assert.Null(row.ReplyToProviderId);
    }

    [Fact]
    public void Ad_referral_stays_in_the_payload()
    {
        var row = Single("msg_text_ctwa_referral.json");

        Assert.Equal("BODY", row.Body);
        Assert.Equal("ad or post", Parsed.Path(row.PayloadJson, "referral", "source_type"));
    }

    [Fact]
    public void Doc_ad_referral_keeps_the_click_id_in_the_payload()
    {
        var row = Single("doc_msg_text_ctwa_ad_referral.json");

        Assert.Equal("Can I get more info about this?", row.Body);
        Assert.Equal("ad", Parsed.Path(row.PayloadJson, "referral", "source_type"));
        Assert.StartsWith("Aff-n8ZTODiE79d22", Parsed.Path(row.PayloadJson, "referral", "ctwa_clid"));
        Assert.Equal("Sheena Nelson", row.CustomerName);
    }

    [Fact]
    public void Product_enquiry_replies_to_the_product_message()
    {
        var row = Single("doc_msg_text_referred_product.json");

        Assert.Equal("Is this still available?", row.Body);
        Assert.Equal("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGA9wcm9kdWN0X2lucXVpcnkA", row.ReplyToProviderId);
        Assert.Equal("di9ozbzfi4", Parsed.Path(row.PayloadJson, "context", "referred_product", "product_retailer_id"));
    }

    [Fact]
    public void Revoke_is_not_a_message_but_a_deleted_status_of_the_original()
    {
        var parsed = Parsed.Fixture("whatsapp/msg_revoke_deleted.json").Clean();

        Assert.Empty(parsed.Messages);
        var status = Assert.Single(parsed.Statuses);
        Assert.Equal("deleted", status.Status);
        Assert.Equal("<ORIGINAL_WHATSAPP_MESSAGE_ID>", status.ProviderMessageId);
        Assert.Equal("<WHATSAPP_USER_PHONE_NUMBER>", status.CustomerExternalId);
        Assert.Equal("<BUSINESS_PHONE_NUMBER_ID>", status.AccountExternalId);
        Assert.Equal("<WHATSAPP_BUSINESS_ACCOUNT_ID>", status.BusinessAccountId);
        Assert.Equal(Parsed.Utc("2023-10-11T16:53:43Z"), status.OccurredAt);
        Assert.Equal("revoke", Parsed.Path(status.PayloadJson, "type"));
    }

    [Fact]
    public void Edit_points_at_the_original_and_reads_as_the_new_caption_with_its_media()
    {
        var parsed = Parsed.Fixture("whatsapp/msg_edit_image.json").Clean();

        var row = Assert.Single(parsed.Messages);
        Assert.Equal("edit", row.Type);
        Assert.Equal("wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=", row.ReplyToProviderId);
        Assert.Equal("Updated image caption", row.Body);
        var media = Assert.Single(parsed.Media);
        Assert.Equal("image", media.Kind);
        Assert.Equal("1234567890", media.ProviderMediaId);
        Assert.Equal("https://media.example.com/updated-image.jpg", media.Url);
        Assert.Equal(row.ProviderMessageId, media.ProviderMessageId);
    }

    [Fact]
    public void Signed_raw_body_parses_like_any_other()
    {
        var row = Single("signed_text_pywa_raw.json");

        Assert.Equal("Hey there! I am using PyWa.", row.Body);
        Assert.Equal("PyWa Tests", row.CustomerName);
    }

    [Fact]
    public void Business_app_echo_is_an_outbound_row_to_the_customer()
    {
        var parsed = Parsed.Fixture("whatsapp/smb_message_echo_text.json").Clean();

        var row = Assert.Single(parsed.Messages);
        Assert.Equal("out", row.Direction);
        Assert.True(row.IsEcho);
        Assert.Equal("<WHATSAPP_USER_PHONE_NUMBER>", row.CustomerExternalId);
        Assert.Equal("<BSUID>", row.CustomerBsuid);
        Assert.Equal("<WHATSAPP_MESSAGE_ID>", row.ProviderMessageId);
        Assert.Equal("<WHATSAPP_BUSINESS_ACCOUNT_ID>", row.BusinessAccountId);
        Assert.Equal(PywaPhone, row.AccountExternalId);
        Assert.Equal("text", row.Type);
        Assert.Equal("Test message", row.Body);
        Assert.Equal(Parsed.Utc("2023-10-11T16:53:43Z"), row.OccurredAt);
    }
}
