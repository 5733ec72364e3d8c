using System.Text;
using System.Text.Json;

namespace MultichannelMessages.Platform.Meta.Parsing;

/// <summary>What a person reads in the thread for each WhatsApp message type; null when there is nothing to read.</summary>
internal static class WhatsAppBodies
{
    public static string? Of(JsonElement message, string type) => type switch
    {
        "text" => message.Prop("text").Str("body"),
        "image" or "video" or "document" => message.Prop(type).Str("caption"),
        "location" => Location(message.Prop("location")),
        "contacts" => ContactNames(message),
        "interactive" => Interactive(message.Prop("interactive")),
        "button" => message.Prop("button").Str("text"),
        // An empty or missing emoji is Meta's way of saying the reaction was removed.
        "reaction" => message.Prop("reaction").Str("emoji").NullIfEmpty(),
        "order" => Order(message.Prop("order")),
        "system" => message.Prop("system").Str("body"),
        _ => null,
    };

    private static string? Location(JsonElement location)
    {
        var name = location.Str("name").NullIfEmpty();
        var address = location.Str("address").NullIfEmpty();
        if (name is not null || address is not null)
            return name is not null && address is not null ? $"{name}, {address}" : name ?? address;
        var latitude = location.Str("latitude");
        var longitude = location.Str("longitude");
        return latitude is null || longitude is null ? null : $"{latitude},{longitude}";
    }

    private static string? ContactNames(JsonElement message)
    {
        StringBuilder? names = null;
        foreach (var contact in message.Items("contacts"))
        {
            var name = contact.Prop("name");
            var formatted = name.Str("formatted_name").NullIfEmpty() ?? name.Str("first_name").NullIfEmpty();
            if (formatted is null)
                continue;
            names = names is null ? new StringBuilder(formatted) : names.Append(", ").Append(formatted);
        }
        return names?.ToString();
    }

    private static string? Interactive(JsonElement interactive) => interactive.Str("type") switch
    {
        "button_reply" => interactive.Prop("button_reply").Str("title"),
        "list_reply" => interactive.Prop("list_reply").Str("title"),
        "nfm_reply" => interactive.Prop("nfm_reply").Str("body") ?? interactive.Prop("nfm_reply").Str("name"),
        "call_permission_reply" => interactive.Prop("call_permission_reply").Str("response"),
        _ => null,
    };

    /// <summary>The customer's note if any, else the cart as "HAMBURGER x3, SODA x2".</summary>
    private static string? Order(JsonElement order)
    {
        if (order.Str("text").NullIfEmpty() is { } text)
            return text;
        StringBuilder? items = null;
        foreach (var item in order.Items("product_items"))
        {
            var product = item.Str("product_retailer_id") ?? "?";
            items = items is null ? new StringBuilder() : items.Append(", ");
            items.Append(product).Append(" x").Append(item.Str("quantity") ?? "1");
        }
        return items?.ToString();
    }
}
