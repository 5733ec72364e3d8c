using MultichannelMessages.Platform.Meta;
using Xunit;

namespace MultichannelMessages.Platform.Tests.Parsing;

/// <summary>Template, quality and account changes, value-level errors, and the fields left unhandled.</summary>
public class WhatsAppAccountEventTests
{
    private static BusinessEventRow Single(string file)
    {
        var parsed = Parsed.Fixture($"whatsapp/{file}").Clean();
        Assert.Empty(parsed.Messages);
        Assert.Empty(parsed.Statuses);
        Assert.Empty(parsed.Unhandled);
        return Assert.Single(parsed.BusinessEvents);
    }

    [Theory]
    [InlineData("template_status_approved.json", "message_template_status_update", "102290129340398", "1689556908129832",
        "order_confirmation", "en_US", "APPROVED", "NONE", "2025-06-30T01:39:08Z")]
    [InlineData("template_status_rejected.json", "message_template_status_update", "102290129340398", "1689556908129835",
        "abandoned_cart", "en", "REJECTED", "INVALID_FORMAT", "2025-06-30T01:39:08Z")]
    [InlineData("template_status_rejected_scam.json", "message_template_status_update", "880480871844883", "905507062668800",
        "schedule_confirmation4", "pt_BR", "REJECTED", "SCAM", "2023-01-20T21:37:21Z")]
    [InlineData("template_quality_yellow.json", "message_template_quality_update", "102290129340398", "806312974732579",
        "welcome_template", "en_US", null, "YELLOW", "2023-01-28T00:04:50Z")]
    [InlineData("template_category_update.json", "template_category_update", "57438975935", "12345678",
        "my_message_template", "he", null, "MARKETING", "2025-06-19T14:54:42Z")]
    [InlineData("template_components_update.json", "message_template_components_update", "57438975935", "12345678",
        "my_message_template", "he", null, null, "2025-07-02T19:16:12Z")]
    public void Template_change_yields_a_template_event_dated_by_entry_time(
        string file, string field, string waba, string templateId, string name, string language,
        string? @event, string? reason, string instant)
    {
        var row = Single(file);

        Assert.Equal("template", row.Kind);
        Assert.Equal(field, row.Field);
        Assert.Equal(waba, row.BusinessAccountId);
        Assert.Equal(templateId, row.TemplateId);
        Assert.Equal(name, row.TemplateName);
        Assert.Equal(language, row.Language);
        Assert.Equal(@event, row.Event);
        Assert.Equal(reason, row.Reason);
        Assert.Equal(Parsed.Utc(instant), row.OccurredAt);
        Assert.Null(row.AccountExternalId);
    }

    [Fact]
    public void Components_update_keeps_the_new_text_in_the_payload()
    {
        var row = Single("template_components_update.json");

        Assert.Equal("Hi {{1}}! Welcome to our service.", Parsed.Path(row.PayloadJson, "message_template_element"));
    }

    [Theory]
    [InlineData("phone_number_quality_update_flagged.json", "waba-id", "16505551111", "FLAGGED", "TIER_10K", "2020-12-17T22:11:02Z")]
    [InlineData("doc_phone_number_quality_update_throughput.json", "102290129340398", "15550783881", "THROUGHPUT_UPGRADE", "TIER_UNLIMITED", "2025-05-28T17:46:34Z")]
    public void Phone_number_quality_update_yields_a_quality_event(
        string file, string waba, string phone, string @event, string limit, string instant)
    {
        var row = Single(file);

        Assert.Equal("quality", row.Kind);
        Assert.Equal("phone_number_quality_update", row.Field);
        Assert.Equal(waba, row.BusinessAccountId);
        Assert.Equal(phone, row.DisplayPhoneNumber);
        Assert.Equal(@event, row.Event);
        Assert.Equal(limit, row.CurrentLimit);
        Assert.Equal(Parsed.Utc(instant), row.OccurredAt);
    }

    [Theory]
    [InlineData("account_update_violation.json", "ACCOUNT_VIOLATION", "ADULT", "2025-03-31T20:11:43Z")]
    [InlineData("account_update_restriction.json", "ACCOUNT_RESTRICTION", "RESTRICTED_BIZ_INITIATED_MESSAGING", "2022-01-04T21:08:18Z")]
    public void Account_update_yields_an_account_event(string file, string @event, string reason, string instant)
    {
        var row = Single(file);

        Assert.Equal("account", row.Kind);
        Assert.Equal("account_update", row.Field);
        Assert.Equal("102290129340398", row.BusinessAccountId);
        Assert.Equal(@event, row.Event);
        Assert.Equal(reason, row.Reason);
        Assert.Equal(Parsed.Utc(instant), row.OccurredAt);
    }

    [Fact]
    public void Value_level_error_without_message_or_status_yields_an_error_event()
    {
        var row = Single("doc_value_level_errors_130429.json");

        Assert.Equal("error", row.Kind);
        Assert.Equal("messages", row.Field);
        Assert.Equal("130429", row.Event);
        Assert.Equal("Rate limit hit", row.Reason);
        Assert.Equal("106540352242922", row.AccountExternalId);
        Assert.Equal("102290129340398", row.BusinessAccountId);
        Assert.Null(row.OccurredAt);
        Assert.Equal("130429", Parsed.Path(row.PayloadJson, "code"));
    }

    [Fact]
    public void User_preferences_become_one_preference_per_customer()
    {
        var parsed = Parsed.Fixture("whatsapp/user_marketing_preferences_signup.json").Clean();

        var preference = Assert.Single(parsed.BusinessEvents);
        Assert.Equal(("preference", "106540352242922", "16505551234", "signup", "marketing_messages"),
            (preference.Kind, preference.AccountExternalId, preference.CustomerExternalId, preference.Event, preference.Reason));
        Assert.Empty(parsed.Unhandled);
    }

    [Theory]
    [InlineData("call_connect_user_initiated.json")]
    [InlineData("call_connect_business_initiated.json")]
    [InlineData("call_status_ringing.json")]
    public void Calls_are_left_unhandled_and_their_statuses_are_not_message_statuses(string file)
    {
        var parsed = Parsed.Fixture($"whatsapp/{file}").Clean();

        Assert.True(parsed.IsEmpty);
        Assert.Equal(["field:calls"], parsed.Unhandled);
    }

    [Fact]
    public void Error_beside_a_terminated_call_still_yields_an_error_event()
    {
        var parsed = Parsed.Fixture("whatsapp/call_terminate_completed.json").Clean();

        Assert.Equal(["field:calls"], parsed.Unhandled);
        var row = Assert.Single(parsed.BusinessEvents);
        Assert.Equal("error", row.Kind);
        Assert.Equal("calls", row.Field);
        Assert.Equal("12455", row.Event);
        Assert.Equal("ERROR_TITLE", row.Reason);
        Assert.Equal("37489742", row.AccountExternalId);
        Assert.Equal("47389759353", row.BusinessAccountId);
    }
}
