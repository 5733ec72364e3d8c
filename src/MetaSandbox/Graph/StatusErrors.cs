using System.Text.Json.Nodes;

namespace MultichannelMessages.MetaSandbox.Graph;

/// <summary>The errors[] item of a failed WhatsApp status, worded as Meta's error-code reference words them.</summary>
public static class StatusErrors
{
    private const string Href = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/";

    private static readonly Dictionary<int, (string Title, string Details)> Known = new()
    {
        [131026] = ("Message undeliverable", "Message Undeliverable."),
        [131047] = ("Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number."),
        [131048] = ("Spam rate limit hit", "Message failed to send because there are restrictions on how many messages can be sent from this phone number. This may be because too many previous messages were blocked or flagged as spam."),
        [131049] = ("This message was not delivered to maintain healthy ecosystem engagement.", "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."),
        [131050] = ("Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.", "The recipient stopped marketing messages from this business."),
        [132015] = ("Template is Paused", "Template is paused due to low quality so it cannot be sent in a template message."),
        [131053] = ("Media upload error", "Unable to upload the media used in the message."),
        [131000] = ("Something went wrong", "Message failed to send due to an unknown error."),
        [130472] = ("User's number is part of an experiment", "Failed to send message because this user's phone number is part of an experiment."),
    };

    public static JsonObject For(int code)
    {
        var (title, details) = Known.GetValueOrDefault(code, ("Message failed to send", "Message failed to send."));
        return new JsonObject
        {
            ["code"] = code,
            ["title"] = title,
            ["message"] = title,
            ["error_data"] = new JsonObject { ["details"] = details },
            ["href"] = Href,
        };
    }
}
