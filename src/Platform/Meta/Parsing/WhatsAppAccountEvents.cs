using System.Text.Json;

namespace MultichannelMessages.Platform.Meta.Parsing;

/// <summary>Changes about the WhatsApp Business Account rather than a conversation. These carry no timestamp of
/// their own, so they are dated by entry.time.</summary>
internal static class WhatsAppAccountEvents
{
    public static BusinessEventRow Template(JsonElement value, WhatsAppScope scope) => new()
    {
        Kind = "template",
        Field = scope.Field,
        BusinessAccountId = scope.BusinessAccountId,
        Event = value.Str("event"),
        TemplateId = value.Str("message_template_id"),
        TemplateName = value.Str("message_template_name"),
        Language = value.Str("message_template_language"),
        // Each template field names its outcome differently: status reason, category, or quality score.
        Reason = value.Str("reason")
            ?? value.Prop("rejection_info").Str("reason")
            ?? value.Str("new_category")
            ?? value.Str("new_quality_score"),
        OccurredAt = scope.EntryTime,
        PayloadJson = value.GetRawText(),
    };

    public static BusinessEventRow Quality(JsonElement value, WhatsAppScope scope) => new()
    {
        Kind = "quality",
        Field = scope.Field,
        BusinessAccountId = scope.BusinessAccountId,
        Event = value.Str("event"),
        DisplayPhoneNumber = value.Str("display_phone_number"),
        CurrentLimit = value.Str("current_limit"),
        OccurredAt = scope.EntryTime,
        PayloadJson = value.GetRawText(),
    };

    public static BusinessEventRow Account(JsonElement value, WhatsAppScope scope) => new()
    {
        Kind = "account",
        Field = scope.Field,
        BusinessAccountId = scope.BusinessAccountId,
        Event = value.Str("event"),
        Reason = value.Prop("violation_info").Str("violation_type")
            ?? value.FirstItem("restriction_info").Str("restriction_type"),
        DisplayPhoneNumber = value.Str("phone_number"),
        OccurredAt = scope.EntryTime,
        PayloadJson = value.GetRawText(),
    };

    /// <summary>The portfolio's limits: <c>max_daily_conversations_per_business</c> is a tier name (TIER_2K) in Meta's
    /// table and an integer (2000) in its example; both are kept as text.</summary>
    public static BusinessEventRow Capability(JsonElement value, WhatsAppScope scope) => new()
    {
        Kind = "capability",
        Field = scope.Field,
        BusinessAccountId = scope.BusinessAccountId,
        CurrentLimit = value.Str("max_daily_conversations_per_business"),
        OccurredAt = scope.EntryTime,
        PayloadJson = value.GetRawText(),
    };

    /// <summary>One customer's marketing preference (<c>value.user_preferences[]</c>): stop or resume, by category.</summary>
    public static BusinessEventRow Preference(JsonElement preference, WhatsAppScope scope) => new()
    {
        Kind = "preference",
        Field = scope.Field,
        BusinessAccountId = scope.BusinessAccountId,
        AccountExternalId = scope.RequirePhoneNumberId(),
        CustomerExternalId = preference.Required("wa_id"),
        Event = preference.Required("value"),
        Reason = preference.Str("category"),
        OccurredAt = preference.UnixTime("timestamp") ?? scope.EntryTime,
        PayloadJson = preference.GetRawText(),
    };
}
