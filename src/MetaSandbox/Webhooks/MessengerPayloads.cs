using System.Text.Json.Nodes;
using MultichannelMessages.MetaSandbox.Accounts;

namespace MultichannelMessages.MetaSandbox.Webhooks;

/// <summary>Messenger (object "page") and Instagram (object "instagram") messaging[] events; timestamps are Unix
/// milliseconds as numbers.</summary>
public static class MessengerPayloads
{
    public static WebhookItem Message(SandboxAccount account, string psid, string mid, DateTimeOffset at, string? text, string? imageUrl,
        string? quickReplyPayload = null, string? referralRef = null)
    {
        var message = new JsonObject { ["mid"] = mid };
        if (text is not null)
            message["text"] = text;
        if (quickReplyPayload is not null)
            message["quick_reply"] = new JsonObject { ["payload"] = quickReplyPayload };
        if (referralRef is not null)
            message["referral"] = new JsonObject { ["ref"] = referralRef, ["source"] = "SHORTLINK", ["type"] = "OPEN_THREAD" };
        if (imageUrl is not null)
        {
            message["attachments"] = new JsonArray(new JsonObject
            {
                ["type"] = "image",
                ["payload"] = new JsonObject { ["url"] = imageUrl },
            });
        }
        return Event(account, psid, at, "message", message);
    }

    /// <summary>A tapped template or menu button: a messaging_postbacks event with the button's title and payload.</summary>
    public static WebhookItem Postback(SandboxAccount account, string psid, string mid, DateTimeOffset at, string title, string payload) =>
        Event(account, psid, at, "postback", new JsonObject { ["mid"] = mid, ["title"] = title, ["payload"] = payload });

    /// <summary>Messenger only: Instagram sends no delivery receipts.</summary>
    public static WebhookItem Delivery(SandboxAccount account, string psid, string mid, DateTimeOffset at) =>
        Event(account, psid, at, "delivery", new JsonObject
        {
            ["mids"] = new JsonArray(mid),
            ["watermark"] = at.ToUnixTimeMilliseconds(),
        });

    /// <summary>Messenger reads carry a watermark; Instagram reads (messaging_seen) name the message.</summary>
    public static WebhookItem Read(SandboxAccount account, string psid, string mid, DateTimeOffset at) =>
        Event(account, psid, at, "read", account.Kind == AccountKind.Instagram
            ? new JsonObject { ["mid"] = mid }
            : new JsonObject { ["watermark"] = at.ToUnixTimeMilliseconds() });

    private static WebhookItem Event(SandboxAccount account, string psid, DateTimeOffset at, string kind, JsonObject body) =>
        WebhookItem.Messaging(account.WebhookObject, account.Id, new JsonObject
        {
            ["sender"] = new JsonObject { ["id"] = psid },
            ["recipient"] = new JsonObject { ["id"] = account.Id },
            ["timestamp"] = at.ToUnixTimeMilliseconds(),
            [kind] = body,
        });
}
