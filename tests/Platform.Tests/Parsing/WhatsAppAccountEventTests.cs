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

    [Fact]
    public void A_users_call_is_a_call_event_with_its_caller_and_offer_never_a_message()
    {
        var parsed = Parsed.Fixture("whatsapp/call_connect_user_initiated.json").Clean();

        Assert.Empty(parsed.Unhandled);
        Assert.Empty(parsed.Messages);
        Assert.Empty(parsed.Statuses);
        var row = Assert.Single(parsed.BusinessEvents);
        Assert.Equal(("call", "calls", "connect", "wacid.xxxx=", "972987654321", "743897493242"),
            (row.Kind, row.Field, row.Event, row.TemplateId, row.CustomerExternalId, row.AccountExternalId));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1752583107), row.OccurredAt);
        var payload = System.Text.Json.JsonDocument.Parse(row.PayloadJson).RootElement;
        Assert.Equal("Test Name", payload.GetProperty("contact_name").GetString());
        Assert.Equal("offer", payload.GetProperty("call").GetProperty("session").GetProperty("sdp_type").GetString());
        Assert.Equal("USER_INITIATED", payload.GetProperty("call").GetProperty("direction").GetString());
    }

    [Fact]
    public void A_business_calls_connect_names_the_callee_and_its_ringing_status_is_a_call_status_not_a_message_status()
    {
        var connect = Assert.Single(Parsed.Fixture("whatsapp/call_connect_business_initiated.json").Clean().BusinessEvents);
        Assert.Equal(("call", "connect"), (connect.Kind, connect.Event));
        Assert.Equal("BUSINESS_INITIATED", System.Text.Json.JsonDocument.Parse(connect.PayloadJson).RootElement
            .GetProperty("call").GetProperty("direction").GetString());

        var parsed = Parsed.Fixture("whatsapp/call_status_ringing.json").Clean();
        Assert.Empty(parsed.Statuses);
        Assert.Empty(parsed.Unhandled);
        var ringing = Assert.Single(parsed.BusinessEvents);
        Assert.Equal(("call", "RINGING"), (ringing.Kind, ringing.Event));
        Assert.NotNull(ringing.CustomerExternalId);
        Assert.StartsWith("wacid.", ringing.TemplateId);
    }

    [Fact]
    public void A_terminated_call_keeps_its_status_times_and_the_error_meta_repeats_beside_it()
    {
        var parsed = Parsed.Fixture("whatsapp/call_terminate_completed.json").Clean();

        Assert.Empty(parsed.Unhandled);
        var row = Assert.Single(parsed.BusinessEvents);
        // The customer of a business-initiated call is its callee.
        Assert.Equal(("call", "terminate", "COMPLETED", "wacid.ABGGFjFVU2AfAgo6V-Hc5eCgK5Gh", "16315553601", "37489742", "47389759353"),
            (row.Kind, row.Event, row.Reason, row.TemplateId, row.CustomerExternalId, row.AccountExternalId, row.BusinessAccountId));
        var payload = System.Text.Json.JsonDocument.Parse(row.PayloadJson).RootElement;
        Assert.Equal(120, payload.GetProperty("call").GetProperty("duration").GetInt32());
        // Meta's error beside the call (value.errors) is the call's error, typed; nothing was unreadable.
        Assert.Equal(12455, payload.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(0, payload.GetProperty("value_errors").GetArrayLength());
    }

    [Fact]
    public void A_call_item_without_its_id_is_reported_and_the_rest_of_the_change_is_read()
    {
        var parsed = Parsed.Json("""
            {"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"calls","value":{
              "metadata":{"phone_number_id":"111"},
              "calls":[{"from":"5491100","event":"connect","direction":"USER_INITIATED","timestamp":"1752583107"},
                       {"id":"wacid.ok","from":"5491101","event":"terminate","status":"FAILED","timestamp":"1752583117"}]}}]}]}
            """);

        Assert.Equal(["bad_item:calls[0]: missing id"], parsed.Unhandled);
        var row = Assert.Single(parsed.BusinessEvents);
        Assert.Equal(("wacid.ok", "terminate", "FAILED", "5491101"), (row.TemplateId, row.Event, row.Reason, row.CustomerExternalId));
    }
}
