using System.Text.Json;

namespace MultichannelMessages.Platform.Meta.Parsing;

/// <summary>What every row of one WhatsApp <c>changes[]</c> item shares.</summary>
internal readonly record struct WhatsAppScope(
    string? BusinessAccountId, string? PhoneNumberId, string Field, DateTimeOffset? EntryTime)
{
    public string RequirePhoneNumberId() =>
        PhoneNumberId ?? throw new FormatException("missing metadata.phone_number_id");
}

/// <summary>object = whatsapp_business_account: entry[] (one per WABA) → changes[] (one per webhook field).</summary>
internal static class WhatsAppParser
{
    public static void Parse(JsonElement root, ParsedWebhook result) =>
        result.ReadEach(root, "entry", entry => Entry(entry, result));

    private static void Entry(JsonElement entry, ParsedWebhook result)
    {
        var waba = entry.Str("id");
        var time = entry.UnixTime("time");
        result.ReadEach(entry, "changes", change =>
        {
            var value = change.Prop("value");
            var phoneNumberId = value.Prop("metadata").Str("phone_number_id");
            Change(value, new WhatsAppScope(waba, phoneNumberId, change.Str("field") ?? "", time), result);
        });
    }

    private static void Change(JsonElement value, WhatsAppScope scope, ParsedWebhook result)
    {
        if (!value.IsObject())
            throw new FormatException($"value of field '{scope.Field}' is not an object");
        switch (scope.Field)
        {
            case "messages":
                Conversation(value, scope, "messages", result);
                break;
            case "smb_message_echoes":
                Conversation(value, scope, "message_echoes", result);
                break;
            case "message_template_status_update":
            case "template_category_update":
            case "message_template_quality_update":
            case "message_template_components_update":
                result.BusinessEvents.Add(WhatsAppAccountEvents.Template(value, scope));
                break;
            case "phone_number_quality_update":
                result.BusinessEvents.Add(WhatsAppAccountEvents.Quality(value, scope));
                break;
            case "account_update":
                result.BusinessEvents.Add(WhatsAppAccountEvents.Account(value, scope));
                break;
            case "business_capability_update":
                result.BusinessEvents.Add(WhatsAppAccountEvents.Capability(value, scope));
                break;
            case "calls":
                WhatsAppCalls.Add(value, scope, result);
                break;
            case "user_preferences":
                result.ReadEach(value, "user_preferences", preference =>
                    result.BusinessEvents.Add(WhatsAppAccountEvents.Preference(preference, scope)));
                break;
            default:
                // history, …: the raw body is stored elsewhere; only errors are pulled out, since nothing else would
                // surface them.
                result.AddUnhandledOnce($"field:{scope.Field}");
                ValueErrors(value, scope, result);
                break;
        }
    }

    private static void Conversation(JsonElement value, WhatsAppScope scope, string list, ParsedWebhook result)
    {
        var contacts = new WhatsAppContacts(value.Prop("contacts"));
        var echo = list == "message_echoes";
        result.ReadEach(value, list, message => WhatsAppMessages.Add(message, scope, contacts, echo, result));
        result.ReadEach(value, "statuses", status => result.Statuses.Add(Status(status, scope)));

        if (!value.HasItems(list) && !value.HasItems("statuses"))
            ValueErrors(value, scope, result);
    }

    private static StatusRow Status(JsonElement status, WhatsAppScope scope)
    {
        var error = status.FirstItem("errors");
        return new StatusRow
        {
            Channel = Channels.WhatsApp,
            AccountExternalId = scope.RequirePhoneNumberId(),
            BusinessAccountId = scope.BusinessAccountId,
            ProviderMessageId = status.Required("id"),
            Status = status.Required("status"),
            // For a group message recipient_id is the group: the conversation is the group's, not a participant's.
            CustomerExternalId = status.Str("recipient_id") ?? status.Str("recipient_user_id"),
            OccurredAt = status.UnixTime("timestamp"),
            ErrorCode = error.Int("code"),
            ErrorTitle = error.Str("title") ?? error.Str("message"),
            ErrorDetails = error.Prop("error_data").Str("details"),
            PricingJson = status.Raw("pricing"),
            ConversationJson = status.Raw("conversation"),
            PayloadJson = status.GetRawText(),
        };
    }

    /// <summary>value.errors[] with nothing to attach them to (e.g. 130429 rate limit) become account-level events.</summary>
    private static void ValueErrors(JsonElement value, WhatsAppScope scope, ParsedWebhook result)
    {
        foreach (var error in value.Items("errors"))
        {
            result.BusinessEvents.Add(new BusinessEventRow
            {
                Kind = "error",
                Field = scope.Field,
                BusinessAccountId = scope.BusinessAccountId,
                AccountExternalId = scope.PhoneNumberId,
                Event = error.Str("code"),
                Reason = error.Str("title") ?? error.Str("message"),
                OccurredAt = scope.EntryTime,
                PayloadJson = error.GetRawText(),
            });
        }
    }
}
