using MultichannelMessages.Platform.Meta;
using Xunit;

namespace MultichannelMessages.Platform.Tests.Parsing;

/// <summary>WhatsApp value.statuses[]: the delivery state of what the business sent.</summary>
public class WhatsAppStatusTests
{
    private static StatusRow Single(string file)
    {
        var parsed = Parsed.Fixture($"whatsapp/{file}").Clean();
        Assert.Empty(parsed.Messages);
        return Assert.Single(parsed.Statuses);
    }

    [Theory]
    [InlineData("status_sent.json", "5467539754836534", "1122334455667", "sent", "wamid.xyzxyz", "972987654321", "2023-10-25T20:49:05Z")]
    [InlineData("status_delivered.json", "5467539754836534", "1122334455667", "delivered", "wamid.xyzxyz", "972987654321", "2023-10-25T20:49:05Z")]
    [InlineData("status_read.json", "5467539754836534", "1122334455667", "read", "wamid.xyzxyz", "972987654321", "2023-07-15T00:20:58Z")]
    [InlineData("status_played.json", "5467539754836534", "1122334455667", "played", "wamid.xyzxyz", "972987654321", "2023-07-15T00:20:58Z")]
    [InlineData("status_failed_130472.json", "5467539754836534", "1122334455667", "failed", "wamid.xyzxyz", "972987654321", "2023-07-15T00:20:58Z")]
    [InlineData("status_sent_biz_opaque_callback_data.json", "5467539754836534", "1122334455667", "sent", "wamid.xyzxyz", "972987654321", "2023-10-25T20:49:05Z")]
    [InlineData("status_read_group.json", "<WHATSAPP_BUSINESS_ACCOUNT_ID>", "<BUSINESS_PHONE_NUMBER_ID>", "read", "<WHATSAPP_MESSAGE_ID>", "fowefinoewcnw", "2023-10-25T20:49:05Z")]
    [InlineData("status_failed_131047.json", "111111111111111", "109999999999999", "failed", "wamid.HBgNN5NzAzMDkTUyNzkzNhUEjA1MjUwNCAUIyNEYUQ0OTVGNTY0MwA=", "5511111111111", "2023-04-28T03:18:07Z")]
    [InlineData("doc_status_sent_pmp_marketing.json", "102290129340398", "106540352242922", "sent", "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=", "16505551234", "2025-06-15T23:27:53Z")]
    [InlineData("doc_status_sent_minimal.json", "102290129340398", "106540352242922", "sent", "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=", "16505551234", "2025-06-15T23:27:53Z")]
    [InlineData("doc_status_failed_131049.json", "102290129340398", "106540352242922", "failed", "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA", "16505551234", "2025-06-28T20:34:48Z")]
    [InlineData("doc_status_delivered_cbp_service.json", "102290129340398", "106540352242922", "delivered", "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA", "16505551234", "2025-06-18T16:22:53Z")]
    public void Status_fixture_yields_one_row_with_its_ids_status_recipient_and_instant(
        string file, string waba, string phoneNumberId, string status, string id, string recipient, string instant)
    {
        var row = Single(file);

        Assert.Equal(Channels.WhatsApp, row.Channel);
        Assert.Equal(waba, row.BusinessAccountId);
        Assert.Equal(phoneNumberId, row.AccountExternalId);
        Assert.Equal(status, row.Status);
        Assert.Equal(id, row.ProviderMessageId);
        Assert.Equal(recipient, row.CustomerExternalId);
        Assert.Equal(Parsed.Utc(instant), row.OccurredAt);
        Assert.Null(row.Watermark);
        Assert.Equal(id, Parsed.Path(row.PayloadJson, "id"));
    }

    [Theory]
    [InlineData("status_sent.json", "CBP", "service")]
    [InlineData("status_delivered.json", "CBP", "service")]
    [InlineData("status_read.json", "CBP", "service")]
    [InlineData("status_played.json", "CBP", "service")]
    [InlineData("status_sent_biz_opaque_callback_data.json", "CBP", "service")]
    [InlineData("doc_status_delivered_cbp_service.json", "CBP", "service")]
    [InlineData("doc_status_sent_pmp_marketing.json", "PMP", "marketing")]
    public void Pricing_and_conversation_are_kept_as_json(string file, string model, string category)
    {
        var row = Single(file);

        Assert.NotNull(row.PricingJson);
        Assert.Equal(model, Parsed.Path(row.PricingJson, "pricing_model"));
        Assert.Equal(category, Parsed.Path(row.PricingJson, "category"));
        Assert.NotNull(row.ConversationJson);
        Assert.Equal(category, Parsed.Path(row.ConversationJson, "origin", "type"));
        Assert.Null(row.ErrorCode);
    }

    [Fact]
    public void Sent_status_conversation_keeps_its_expiry()
    {
        var row = Single("status_sent.json");

        Assert.Equal("7270432eae37498234f4444b35ffc5", Parsed.Path(row.ConversationJson!, "id"));
        Assert.Equal("1698339900", Parsed.Path(row.ConversationJson!, "expiration_timestamp"));
    }

    [Theory]
    [InlineData("doc_status_sent_minimal.json")]
    [InlineData("status_failed_131047.json")]
    public void Status_without_pricing_has_null_pricing_and_conversation(string file)
    {
        var row = Single(file);

        Assert.Null(row.PricingJson);
        Assert.Null(row.ConversationJson);
    }

    [Theory]
    [InlineData("status_failed_130472.json", 130472, "User's number is part of an experiment",
        "Failed to send message because this user's phone number is part of an experiment")]
    [InlineData("status_failed_131047.json", 131047, "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.")]
    [InlineData("doc_status_failed_131049.json", 131049, "This message was not delivered to maintain healthy ecosystem engagement.",
        "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.")]
    public void Failed_status_carries_error_code_title_and_details(string file, int code, string title, string details)
    {
        var row = Single(file);

        Assert.Equal("failed", row.Status);
        Assert.Equal(code, row.ErrorCode);
        Assert.Equal(title, row.ErrorTitle);
        Assert.Equal(details, row.ErrorDetails);
    }

    [Fact]
    public void Group_status_is_filed_under_the_group_and_keeps_the_participant_in_the_payload()
    {
        var row = Single("status_read_group.json");

        Assert.Equal("fowefinoewcnw", row.CustomerExternalId);
        Assert.Equal("group", Parsed.Path(row.PayloadJson, "recipient_type"));
        Assert.Equal("<GROUP_PARTICIPANT_USER_PHONE_NUMBER>", Parsed.Path(row.PayloadJson, "recipient_participant_id"));
    }

    [Fact]
    public void Callback_data_stays_in_the_payload()
    {
        var row = Single("status_sent_biz_opaque_callback_data.json");

        Assert.Equal("some data", Parsed.Path(row.PayloadJson, "biz_opaque_callback_data"));
    }
}
