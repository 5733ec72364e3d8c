using System.Text.Json;

namespace MultichannelMessages.Platform.Meta.Parsing;

/// <summary>One item of value.messages[] (from the customer) or value.message_echoes[] (sent from the Business app).</summary>
internal static class WhatsAppMessages
{
    public static void Add(
        JsonElement message, WhatsAppScope scope, WhatsAppContacts contacts, bool echo, ParsedWebhook result)
    {
        if (!message.IsObject())
            throw new FormatException($"not an object but {message.ValueKind}");
        var account = scope.RequirePhoneNumberId();
        var type = message.Str("type") ?? "unknown";
        // Users who adopt a username may have no phone number in the payload, only their BSUID.
        var bsuid = message.Str(echo ? "to_user_id" : "from_user_id");
        var customer = message.Str(echo ? "to" : "from") ?? bsuid
            ?? throw new FormatException(echo ? "missing to" : "missing from");

        if (type == "revoke")
        {
            result.Statuses.Add(Revoke(message, scope, account, customer));
            return;
        }

        // An edit carries the new version of the message inside edit.message, with its own type.
        var content = type == "edit" ? message.Prop("edit").Prop("message") : message;
        var contentType = type == "edit" ? content.Str("type") ?? "" : type;
        var (name, contactBsuid) = contacts.Find(customer, bsuid);
        var error = message.FirstItem("errors");
        var id = message.Str("id");

        result.Messages.Add(new MessageRow
        {
            Channel = Channels.WhatsApp,
            AccountExternalId = account,
            BusinessAccountId = scope.BusinessAccountId,
            CustomerExternalId = customer,
            CustomerBsuid = bsuid ?? contactBsuid,
            CustomerName = name,
            Direction = echo ? "out" : "in",
            IsEcho = echo,
            ProviderMessageId = id,
            Type = type,
            Body = WhatsAppBodies.Of(content, contentType),
            ReplyToProviderId = ReplyTo(message, type),
            PayloadJson = message.GetRawText(),
            OccurredAt = message.UnixTime("timestamp"),
            ErrorCode = error.Int("code"),
            ErrorTitle = error.Str("title") ?? error.Str("message"),
        });

        if (id is not null && IsMedia(contentType) && content.Prop(contentType).IsObject())
            result.Media.Add(Media(content.Prop(contentType), contentType, account, id));
    }

    private static string? ReplyTo(JsonElement message, string type) => type switch
    {
        "reaction" => message.Prop("reaction").Str("message_id"),
        "edit" => message.Prop("edit").Str("original_message_id"),
        _ => message.Prop("context").Str("id"),
    };

    /// <summary>A revoke is not a message: it deletes one, so it is stored as that message's status.</summary>
    private static StatusRow Revoke(JsonElement message, WhatsAppScope scope, string account, string customer) => new()
    {
        Channel = Channels.WhatsApp,
        AccountExternalId = account,
        BusinessAccountId = scope.BusinessAccountId,
        ProviderMessageId = message.Prop("revoke").Str("original_message_id")
            ?? throw new FormatException("missing revoke.original_message_id"),
        Status = "deleted",
        CustomerExternalId = customer,
        OccurredAt = message.UnixTime("timestamp"),
        PayloadJson = message.GetRawText(),
    };

    private static bool IsMedia(string type) => type is "image" or "audio" or "video" or "document" or "sticker";

    private static MediaRow Media(JsonElement media, string kind, string account, string messageId) => new()
    {
        Channel = Channels.WhatsApp,
        AccountExternalId = account,
        ProviderMessageId = messageId,
        Ordinal = 0,
        Kind = kind,
        ProviderMediaId = media.Str("id"),
        MimeType = media.Str("mime_type"),
        Sha256 = media.Str("sha256"),
        Url = media.Str("url"),
        FileName = media.Str("filename"),
        Caption = media.Str("caption"),
    };
}
