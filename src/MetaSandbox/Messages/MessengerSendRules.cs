using System.Text.Json.Nodes;
using MultichannelMessages.MetaSandbox.Graph;

namespace MultichannelMessages.MetaSandbox.Messages;

/// <summary>A Messenger/Instagram Send API call that passed validation; no message means a sender_action only.</summary>
public sealed record MessengerSend(string RecipientId, string? Type, string? Text);

/// <summary>The Send API's checks on <c>POST /{page-or-ig-id}/messages</c>.</summary>
public static class MessengerSendRules
{
    public const int MaxTextLength = 2000;

    public static (MessengerSend? Send, GraphError? Error) Validate(JsonObject body)
    {
        var recipient = body["recipient"];
        var recipientId = recipient.Text("id") ?? recipient.Text("user_ref") ?? recipient.Text("comment_id");
        if (recipientId is null)
            return Invalid("The parameter recipient is required");
        var message = body["message"];
        if (message is null)
        {
            return body.Text("sender_action") is null
                ? Invalid("Must send either message or sender_action")
                : (new MessengerSend(recipientId, null, null), null);
        }
        var text = message.Text("text");
        var attachment = message["attachment"] ?? message["attachments"];
        if (text is null && attachment is null)
            return Invalid("Must send either text or attachment");
        if (text is not null && text.EnumerateRunes().Count() > MaxTextLength)
            return Invalid($"Length of param message[text] must be less than or equal to {MaxTextLength}");
        // Quick replies: at most 13, each a title of at most 20 characters and a payload (Send API reference).
        if (message["quick_replies"] is JsonArray quick)
        {
            if (quick.Count is 0 or > 13) return Invalid("param message[quick_replies] must have between 1 and 13 elements");
            foreach (var reply in quick)
            {
                if (reply.Text("content_type") == "text" && reply.Text("title") is not { Length: > 0 and <= 20 })
                    return Invalid("param message[quick_replies][title] must be between 1 and 20 characters");
                if (reply.Text("content_type") == "text" && reply.Text("payload") is null)
                    return Invalid("param message[quick_replies][payload] is required for a text quick reply");
            }
        }
        var type = text is not null ? "text" : attachment.Text("type") ?? "attachment";
        return (new MessengerSend(recipientId, type, text), null);
    }

    private static (MessengerSend?, GraphError?) Invalid(string details) =>
        (null, GraphErrors.InvalidParameter(details, whatsApp: false));
}
