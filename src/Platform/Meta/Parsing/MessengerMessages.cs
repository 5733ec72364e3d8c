using System.Text.Json;

namespace MultichannelMessages.Platform.Meta.Parsing;

/// <summary>A messaging[] event with a <c>message</c>: a customer's message, an echo of the page's own, or an
/// Instagram unsend.</summary>
internal static class MessengerMessages
{
    public static void Add(JsonElement item, string channel, string account, ParsedWebhook result)
    {
        var message = item.Prop("message");
        var mid = message.Str("mid");

        if (message.Flag("is_deleted"))
        {
            var deleted = MessengerEvents.Status(item, channel, account, "deleted") with
            {
                ProviderMessageId = mid ?? throw new FormatException("is_deleted without mid"),
            };
            result.Statuses.Add(deleted);
            return;
        }

        // An echo is sent by the page: the customer is then the recipient.
        var echo = message.Flag("is_echo");
        var customer = echo
            ? item.Prop("recipient").Str("id") ?? throw new FormatException("missing recipient.id")
            : MessengerEvents.Customer(item);
        var firstAttachment = message.FirstItem("attachments");

        result.Messages.Add(new MessageRow
        {
            Channel = channel,
            AccountExternalId = account,
            CustomerExternalId = customer,
            Direction = echo ? "out" : "in",
            IsEcho = echo,
            ProviderMessageId = mid,
            Type = TypeOf(message, firstAttachment),
            Body = message.Str("text").NullIfEmpty() ?? AttachmentText(firstAttachment),
            ReplyToProviderId = message.Prop("reply_to").Str("mid"),
            PayloadJson = item.GetRawText(),
            OccurredAt = item.UnixMillis("timestamp"),
        });

        if (mid is not null)
            AddMedia(message, channel, account, mid, result);
    }

    private static string TypeOf(JsonElement message, JsonElement firstAttachment)
    {
        if (message.Prop("reply_to").Prop("story").IsObject())
            return "story_reply";
        if (message.Prop("quick_reply").IsObject())
            return "quick_reply";
        if (message.Flag("is_unsupported"))
            return "unsupported";
        return firstAttachment.Str("type") ?? "text";
    }

    /// <summary>Without text, a location reads as "lat,long" and a link, template or fallback as its title.</summary>
    private static string? AttachmentText(JsonElement attachment)
    {
        var coordinates = attachment.Prop("payload").Prop("coordinates");
        if (coordinates.Str("lat") is { } lat && coordinates.Str("long") is { } lng)
            return $"{lat},{lng}";
        return attachment.Str("title").NullIfEmpty();
    }

    private static void AddMedia(JsonElement message, string channel, string account, string mid, ParsedWebhook result)
    {
        var ordinal = 0;
        foreach (var attachment in message.Items("attachments"))
        {
            result.Media.Add(new MediaRow
            {
                Channel = channel,
                AccountExternalId = account,
                ProviderMessageId = mid,
                Ordinal = ordinal++,
                Kind = attachment.Str("type") ?? "unknown",
                Url = attachment.Prop("payload").Str("url") ?? attachment.Str("url"),
                Caption = attachment.Str("title"),
            });
        }
    }
}
