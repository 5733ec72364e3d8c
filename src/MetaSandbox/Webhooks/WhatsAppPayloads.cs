using System.Text.Json.Nodes;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Graph;
using MultichannelMessages.MetaSandbox.Messages;

namespace MultichannelMessages.MetaSandbox.Webhooks;

/// <summary>WhatsApp webhook changes, shaped as Meta's webhook reference shows them (timestamps are strings of
/// Unix seconds; ids and numbers as Meta types them).</summary>
public static class WhatsAppPayloads
{
    /// <summary>A statuses[] item: sent and delivered carry conversation and pricing (PMP), read carries neither,
    /// failed carries errors[].</summary>
    public static WebhookItem Status(SandboxAccount account, SentRecord message, string status, DateTimeOffset at, int? errorCode)
    {
        var item = new JsonObject
        {
            ["id"] = message.Id,
            ["status"] = status,
            ["timestamp"] = Seconds(at),
            ["recipient_id"] = message.RecipientId,
        };
        if (message.CallbackData is not null)
            item["biz_opaque_callback_data"] = message.CallbackData;
        if (status is "sent" or "delivered")
        {
            var conversation = new JsonObject { ["id"] = message.ConversationId };
            if (status == "sent")
                conversation["expiration_timestamp"] = Seconds(message.SentAt.AddHours(24));
            conversation["origin"] = new JsonObject { ["type"] = message.PricingCategory };
            item["conversation"] = conversation;
            var service = message.PricingCategory == "service";
            item["pricing"] = new JsonObject
            {
                ["billable"] = !service,
                ["pricing_model"] = "PMP",
                ["type"] = service ? "free_customer_service" : "regular",
                ["category"] = message.PricingCategory,
            };
        }
        if (errorCode is { } code)
            item["errors"] = new JsonArray(StatusErrors.For(code));
        return Messages(account, "statuses", item, contact: null);
    }

    /// <summary>A customer's message: contacts[] with the profile name, messages[] with the typed content.</summary>
    public static WebhookItem Inbound(SandboxAccount account, string from, string name, string id, DateTimeOffset at,
        string type, JsonObject content, string? replyTo, string? referralSourceId = null)
    {
        var message = new JsonObject { ["from"] = from, ["id"] = id, ["timestamp"] = Seconds(at) };
        if (replyTo is not null)
            message["context"] = new JsonObject { ["from"] = account.DisplayPhoneNumber, ["id"] = replyTo };
        if (referralSourceId is not null)
            message["referral"] = new JsonObject
            {
                ["source_url"] = "https://fb.me/" + referralSourceId, ["source_id"] = referralSourceId, ["source_type"] = "ad",
                ["headline"] = "Sandbox ad", ["body"] = "Write to us on WhatsApp", ["media_type"] = "image",
                ["ctwa_clid"] = "ARA" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)),
            };
        message[type] = content;
        message["type"] = type;
        var contact = new JsonObject { ["profile"] = new JsonObject { ["name"] = name }, ["wa_id"] = from };
        return Messages(account, "messages", message, contact);
    }

    /// <param name="otherInfo">A pause's {title, description} (FIRST_PAUSE, SECOND_PAUSE, …), as Meta adds it.</param>
    public static WebhookItem TemplateStatus(string wabaId, string templateId, string name, string language,
        string @event, string reason, string category, JsonObject? otherInfo = null)
    {
        var value = new JsonObject
        {
            ["event"] = @event,
            ["message_template_id"] = long.Parse(templateId, System.Globalization.CultureInfo.InvariantCulture),
            ["message_template_name"] = name,
            ["message_template_language"] = language,
            ["reason"] = reason,
            ["message_template_category"] = category,
        };
        if (otherInfo is not null)
            value["other_info"] = otherInfo;
        return WebhookItem.WhatsApp(wabaId, "message_template_status_update", value);
    }

    /// <summary>user_preferences: the customer stopped or resumed marketing messages (integer timestamp, unlike
    /// messages and statuses).</summary>
    public static WebhookItem UserPreference(SandboxAccount account, string waId, string name, string preference, DateTimeOffset at)
    {
        var item = new JsonObject
        {
            ["wa_id"] = waId,
            ["detail"] = $"User requested to {preference} marketing messages",
            ["category"] = "marketing_messages",
            ["value"] = preference,
            ["timestamp"] = at.ToUnixTimeSeconds(),
        };
        var contact = new JsonObject { ["profile"] = new JsonObject { ["name"] = name }, ["wa_id"] = waId };
        return Messages(account, "user_preferences", item, contact, field: "user_preferences");
    }

    public static WebhookItem TemplateQuality(string wabaId, string templateId, string name, string language, string previous, string score) =>
        WebhookItem.WhatsApp(wabaId, "message_template_quality_update", new JsonObject
        {
            ["previous_quality_score"] = previous,
            ["new_quality_score"] = score,
            ["message_template_id"] = long.Parse(templateId, System.Globalization.CultureInfo.InvariantCulture),
            ["message_template_name"] = name,
            ["message_template_language"] = language,
        });

    /// <summary>phone_number_quality_update names the number by its display number only.</summary>
    public static WebhookItem QualityUpdate(SandboxAccount account, string @event, string? oldLimit)
    {
        var value = new JsonObject { ["display_phone_number"] = account.DisplayPhoneNumber, ["event"] = @event };
        if (oldLimit is not null && oldLimit != account.MessagingLimitTier)
            value["old_limit"] = oldLimit;
        value["current_limit"] = account.MessagingLimitTier;
        return WebhookItem.WhatsApp(account.WabaId!, "phone_number_quality_update", value);
    }

    private static WebhookItem Messages(SandboxAccount account, string list, JsonObject item, JsonObject? contact,
        string field = "messages")
    {
        var value = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["metadata"] = new JsonObject
            {
                ["display_phone_number"] = account.DisplayPhoneNumber,
                ["phone_number_id"] = account.Id,
            },
        };
        if (contact is not null)
            value["contacts"] = new JsonArray(contact);
        value[list] = new JsonArray(item);
        return WebhookItem.WhatsApp(account.WabaId!, field, value);
    }

    private static string Seconds(DateTimeOffset at) =>
        at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
}
