using System.Text.Json.Nodes;

namespace MultichannelMessages.MetaSandbox.Webhooks;

/// <summary>
/// One thing to tell the Webhook API. WhatsApp: a change (<see cref="Field"/> + its value) under entry
/// <see cref="EntryId"/> (the WABA). Messenger/Instagram: one messaging[] event under the page or account id.
/// Items due together are batched into one POST per object, as Meta does.
/// </summary>
public sealed record WebhookItem(string Object, string EntryId, string? Field, JsonObject Payload)
{
    public const string WhatsAppObject = "whatsapp_business_account";

    public static WebhookItem WhatsApp(string wabaId, string field, JsonObject value) =>
        new(WhatsAppObject, wabaId, field, value);

    public static WebhookItem Messaging(string @object, string entryId, JsonObject messagingEvent) =>
        new(@object, entryId, null, messagingEvent);
}
