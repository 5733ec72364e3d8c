using System.Text.Json;

namespace MultichannelMessages.Platform.Meta.Parsing;

/// <summary>
/// object = page (Messenger) or instagram: entry[] per page / Instagram account, events under messaging[]
/// and, when another app holds the thread (handover protocol), under standby[].
/// </summary>
internal static class MessengerParser
{
    public static void Parse(JsonElement root, string channel, ParsedWebhook result) =>
        result.ReadEach(root, "entry", entry => Entry(entry, channel, result));

    private static void Entry(JsonElement entry, string channel, ParsedWebhook result)
    {
        var account = entry.Required("id");
        result.ReadEach(entry, "messaging", item => MessengerEvents.Add(item, channel, account, result));
        result.ReadEach(entry, "standby", item => MessengerEvents.Add(item, channel, account, result));

        // Feed, comments, mentions… arrive as changes[] (or, in some Instagram payloads, field/value on the entry).
        foreach (var change in entry.Items("changes"))
            result.AddUnhandledOnce($"field:{change.Str("field")}");
        if (entry.Str("field") is { } field)
            result.AddUnhandledOnce($"field:{field}");
    }
}
