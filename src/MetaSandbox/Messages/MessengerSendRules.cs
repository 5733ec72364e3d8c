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
        var type = text is not null ? "text" : attachment.Text("type") ?? "attachment";
        return (new MessengerSend(recipientId, type, text), null);
    }

    private static (MessengerSend?, GraphError?) Invalid(string details) =>
        (null, GraphErrors.InvalidParameter(details, whatsApp: false));
}
