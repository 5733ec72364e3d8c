using System.Text.Json.Nodes;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Graph;
using MultichannelMessages.MetaSandbox.Media;
using MultichannelMessages.MetaSandbox.Webhooks;

namespace MultichannelMessages.MetaSandbox.Customers;

/// <summary>Makes a customer write to an account: stores any media, opens the window, and sends the inbound webhook.
/// Used by the control API and by the demo traffic.</summary>
public sealed class CustomerMessages(MediaStore media, CustomerWindows windows, WebhookScheduler scheduler, TimeProvider time)
{
    // A 1x1 PNG: a placeholder that image tooling accepts.
    private static readonly byte[] PlaceholderImage = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private static readonly Dictionary<string, string> DefaultMimeTypes = new()
    {
        ["image"] = "image/png",
        ["sticker"] = "image/webp",
        ["audio"] = "audio/ogg; codecs=opus",
        ["video"] = "video/mp4",
        ["document"] = "application/pdf",
    };

    public (CustomerMessageAccepted? Accepted, string? Problem) WhatsApp(SandboxAccount account, WhatsAppCustomerMessage m)
    {
        var from = m.From!;
        string? mediaId = null;
        JsonObject content;
        switch (m.Type)
        {
            case "text" when string.IsNullOrEmpty(m.Text):
                return (null, "text is required for a text message.");
            case "text":
                content = new JsonObject { ["body"] = m.Text };
                break;
            case "reaction" when m.ReplyTo is null:
                return (null, "reply_to (the message reacted to) is required for a reaction.");
            case "reaction":
                content = new JsonObject { ["message_id"] = m.ReplyTo, ["emoji"] = m.Emoji ?? "\U0001F44D" };
                break;
            case "interactive" when (m.ButtonReplyId ?? m.ListReplyId) is null || string.IsNullOrEmpty(m.Text):
                return (null, "an interactive reply needs button_reply_id or list_reply_id, and text (its title).");
            case "interactive":
                content = m.ButtonReplyId is not null
                    ? new JsonObject { ["type"] = "button_reply", ["button_reply"] = new JsonObject { ["id"] = m.ButtonReplyId, ["title"] = m.Text } }
                    : new JsonObject { ["type"] = "list_reply", ["list_reply"] = new JsonObject { ["id"] = m.ListReplyId, ["title"] = m.Text } };
                break;
            default:
                if (!TryDecode(m.ContentBase64, out var bytes))
                    return (null, "content_base64 is not valid base64.");
                var mimeType = m.MimeType ?? DefaultMimeTypes[m.Type];
                var item = media.Add(account.Id, mimeType, bytes, m.FileName);
                if (item is null)
                    return (null, "The sandbox media store is full.");
                mediaId = item.Id;
                content = new JsonObject();
                if (m.Caption is not null)
                    content["caption"] = m.Caption;
                if (m.Type == "document")
                    content["filename"] = m.FileName ?? "document.pdf";
                content["mime_type"] = mimeType;
                content["sha256"] = item.Sha256Base64;
                content["id"] = item.Id;
                break;
        }
        var id = GraphIds.Wamid(from);
        var name = m.Name ?? $"Customer {from[^4..]}";
        windows.Opened(account.Id, from);
        var replyTo = m.Type == "reaction" ? null : m.ReplyTo;
        scheduler.Schedule(WhatsAppPayloads.Inbound(account, from, name, id, time.GetUtcNow(), m.Type, content, replyTo, m.ReferralSourceId), TimeSpan.Zero);
        return (new CustomerMessageAccepted(id, mediaId), null);
    }

    private static bool TryDecode(string? base64, out byte[] bytes)
    {
        bytes = PlaceholderImage;
        if (base64 is null)
            return true;
        bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out var length))
            return false;
        bytes = bytes[..length];
        return true;
    }

    public (CustomerMessageAccepted? Accepted, string? Problem) Page(SandboxAccount account, PageCustomerMessage m)
    {
        if (string.IsNullOrEmpty(m.Text) && m.ImageUrl is null)
            return (null, "text or image_url is required.");
        var mid = account.Kind == AccountKind.Instagram ? GraphIds.InstagramMid() : GraphIds.MessengerMid();
        windows.Opened(account.Id, m.Psid!);
        scheduler.Schedule(m.PostbackPayload is { } postback
            ? MessengerPayloads.Postback(account, m.Psid!, mid, time.GetUtcNow(), m.Text ?? postback, postback)
            : MessengerPayloads.Message(account, m.Psid!, mid, time.GetUtcNow(), m.Text, m.ImageUrl, m.QuickReplyPayload, m.ReferralRef), TimeSpan.Zero);
        return (new CustomerMessageAccepted(mid, null), null);
    }
}
