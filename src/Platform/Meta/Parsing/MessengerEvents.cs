using System.Text.Json;

namespace MultichannelMessages.Platform.Meta.Parsing;

/// <summary>One messaging[] event. Meta marks its kind by which key is present: message, postback, reaction, …</summary>
internal static class MessengerEvents
{
    public static void Add(JsonElement item, string channel, string account, ParsedWebhook result)
    {
        if (!item.IsObject())
            throw new FormatException($"not an object but {item.ValueKind}");
        if (item.Prop("message").IsObject())
            MessengerMessages.Add(item, channel, account, result);
        else if (item.Prop("postback").IsObject())
            result.Messages.Add(Postback(item, channel, account));
        else if (item.Prop("reaction").IsObject())
            result.Messages.Add(Reaction(item, channel, account));
        else if (item.Prop("message_edit").IsObject())
            result.Messages.Add(Edit(item, channel, account));
        else if (item.Prop("delivery").IsObject())
            Delivery(item, channel, account, result);
        else if (item.Prop("read").IsObject())
            result.Statuses.Add(Read(item, channel, account));
        else
            result.AddUnhandledOnce($"messaging:{KindOf(item)}");
    }

    internal static string Customer(JsonElement item) =>
        item.Prop("sender").Str("id") ?? throw new FormatException("missing sender.id");

    private static MessageRow Postback(JsonElement item, string channel, string account)
    {
        var postback = item.Prop("postback");
        return Row(item, channel, account, "postback", postback.Str("title")) with
        {
            ProviderMessageId = postback.Str("mid"),
        };
    }

    /// <summary>Reactions have no id of their own: the row is deduplicated by the event hash.</summary>
    private static MessageRow Reaction(JsonElement item, string channel, string account)
    {
        var reaction = item.Prop("reaction");
        var emoji = reaction.Str("action") == "unreact" ? null : reaction.Str("emoji").NullIfEmpty();
        return Row(item, channel, account, "reaction", emoji) with { ReplyToProviderId = reaction.Str("mid") };
    }

    private static MessageRow Edit(JsonElement item, string channel, string account)
    {
        var edit = item.Prop("message_edit");
        return Row(item, channel, account, "edit", edit.Str("text")) with { ReplyToProviderId = edit.Str("mid") };
    }

    private static MessageRow Row(JsonElement item, string channel, string account, string type, string? body) => new()
    {
        Channel = channel,
        AccountExternalId = account,
        CustomerExternalId = Customer(item),
        Direction = "in",
        Type = type,
        Body = body,
        PayloadJson = item.GetRawText(),
        OccurredAt = item.UnixMillis("timestamp"),
    };

    private static void Delivery(JsonElement item, string channel, string account, ParsedWebhook result)
    {
        var delivery = item.Prop("delivery");
        var any = false;
        foreach (var mid in delivery.Items("mids"))
        {
            if (mid.AsString() is not { } id)
                continue;
            result.Statuses.Add(Status(item, channel, account, "delivered") with { ProviderMessageId = id });
            any = true;
        }
        if (any)
            return;
        var watermark = delivery.UnixMillis("watermark")
            ?? throw new FormatException("delivery without mids or watermark");
        result.Statuses.Add(Status(item, channel, account, "delivered") with { Watermark = watermark });
    }

    /// <summary>Messenger reads carry a watermark; Instagram reads (messaging_seen) name the message read.</summary>
    private static StatusRow Read(JsonElement item, string channel, string account)
    {
        var read = item.Prop("read");
        var row = Status(item, channel, account, "read") with
        {
            ProviderMessageId = read.Str("mid"),
            Watermark = read.UnixMillis("watermark"),
        };
        return row.ProviderMessageId is null && row.Watermark is null
            ? throw new FormatException("read without mid or watermark")
            : row;
    }

    internal static StatusRow Status(JsonElement item, string channel, string account, string status) => new()
    {
        Channel = channel,
        AccountExternalId = account,
        Status = status,
        CustomerExternalId = item.Prop("sender").Str("id"),
        OccurredAt = item.UnixMillis("timestamp"),
        PayloadJson = item.GetRawText(),
    };

    private static string KindOf(JsonElement item)
    {
        foreach (var property in item.EnumerateObject())
        {
            if (property.Name is not ("sender" or "recipient" or "timestamp" or "prior_message"))
                return property.Name;
        }
        return "(empty)";
    }
}
