namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>Payloads shaped like Meta's documented examples, with the ids a test needs.</summary>
public static class Payloads
{
    public const string Waba = "1234567890987654321";
    public const string PhoneNumberId = "1122334455667";
    public const string PageId = "1000000000001";
    public const string InstagramId = "17841400000000001";

    public static string WhatsAppValue(string valueJson, string phoneNumberId = PhoneNumberId, string field = "messages") =>
        $$$"""{"object":"whatsapp_business_account","entry":[{"id":"{{{Waba}}}","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"972123456789","phone_number_id":"{{{phoneNumberId}}}"},{{{valueJson}}}},"field":"{{{field}}}"}]}]}""";

    public static string Text(string wamid, string from, string body, long timestamp = 1700000000, string name = "Customer", string phoneNumberId = PhoneNumberId) =>
        WhatsAppValue($$$"""
            "contacts":[{"profile":{"name":"{{{name}}}"},"wa_id":"{{{from}}}"}],
            "messages":[{"from":"{{{from}}}","id":"{{{wamid}}}","timestamp":"{{{timestamp}}}","type":"text","text":{"body":"{{{body}}}"}}]
            """, phoneNumberId);

    public static string Status(string wamid, string status, string recipient, long timestamp = 1700000100, string? errorsJson = null,
        string? callbackData = null) =>
        WhatsAppValue($$$"""
            "statuses":[{"id":"{{{wamid}}}","status":"{{{status}}}","timestamp":"{{{timestamp}}}","recipient_id":"{{{recipient}}}"{{{(errorsJson is null ? "" : ",\"errors\":" + errorsJson)}}}{{{(callbackData is null ? "" : ",\"biz_opaque_callback_data\":\"" + callbackData + "\"")}}}}]
            """);

    /// <summary>What the business sent from the WhatsApp Business app (coexistence): an outbound message.</summary>
    public static string Echo(string wamid, string to, string body, long timestamp = 1700000050) =>
        WhatsAppValue($$$"""
            "message_echoes":[{"from":"972123456789","to":"{{{to}}}","id":"{{{wamid}}}","timestamp":"{{{timestamp}}}","type":"text","text":{"body":"{{{body}}}"}}]
            """, field: "smb_message_echoes");

    public static string Messenger(string messagingJson, string pageId = PageId, string obj = "page", string list = "messaging") =>
        $$$"""{"object":"{{{obj}}}","entry":[{"id":"{{{pageId}}}","time":1700000000000,"{{{list}}}":[{{{messagingJson}}}]}]}""";
}
