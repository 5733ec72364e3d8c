using System.Text.Json.Nodes;

namespace MultichannelMessages.MetaSandbox.Webhooks;

/// <summary>
/// Turns items that left together into Meta's bodies: one POST per object; WhatsApp entries per WABA whose
/// <c>messages</c> changes for one phone number are merged (statuses[], messages[], contacts[] side by side), and
/// Messenger/Instagram entries per page with their messaging[] events.
/// </summary>
public static class WebhookPayload
{
    private static readonly string[] MessageLists = ["contacts", "messages", "statuses"];

    public static IEnumerable<(JsonObject Body, int Items)> Build(IReadOnlyList<WebhookItem> items, DateTimeOffset now)
    {
        foreach (var group in items.GroupBy(i => i.Object))
        {
            var list = group.ToList();
            var body = group.Key == WebhookItem.WhatsAppObject ? WhatsApp(list, now) : Messaging(group.Key, list, now);
            yield return (body, list.Count);
        }
    }

    private static JsonObject WhatsApp(List<WebhookItem> items, DateTimeOffset now)
    {
        var entries = new JsonArray();
        foreach (var entry in items.GroupBy(i => i.EntryId))
        {
            var changes = new JsonArray();
            var merged = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            var accountLevel = false;
            foreach (var item in entry)
            {
                var value = (JsonObject)item.Payload.DeepClone();
                var phone = item.Field == "messages" ? value["metadata"]?["phone_number_id"]?.GetValue<string>() : null;
                if (phone is not null && merged.TryGetValue(phone, out var target))
                {
                    Merge(target, value);
                    continue;
                }
                if (phone is not null)
                    merged[phone] = value;
                else if (value["metadata"] is null)
                    accountLevel = true;
                changes.Add(new JsonObject { ["value"] = value, ["field"] = item.Field });
            }
            // Meta dates account-level changes (templates, quality) by entry.time; message changes carry their own.
            var node = new JsonObject { ["id"] = entry.Key };
            if (accountLevel)
                node["time"] = now.ToUnixTimeSeconds();
            node["changes"] = changes;
            entries.Add(node);
        }
        return new JsonObject { ["object"] = WebhookItem.WhatsAppObject, ["entry"] = entries };
    }

    private static JsonObject Messaging(string @object, List<WebhookItem> items, DateTimeOffset now)
    {
        var entries = new JsonArray();
        foreach (var entry in items.GroupBy(i => i.EntryId))
        {
            var events = new JsonArray();
            foreach (var item in entry)
                events.Add(item.Payload.DeepClone());
            entries.Add(new JsonObject { ["id"] = entry.Key, ["time"] = now.ToUnixTimeMilliseconds(), ["messaging"] = events });
        }
        return new JsonObject { ["object"] = @object, ["entry"] = entries };
    }

    private static void Merge(JsonObject target, JsonObject source)
    {
        foreach (var list in MessageLists)
        {
            if (source[list] is not JsonArray from)
                continue;
            if (target[list] is not JsonArray to)
                target[list] = to = [];
            foreach (var item in from)
            {
                if (list == "contacts" && to.Any(c => c?["wa_id"]?.ToString() == item?["wa_id"]?.ToString()))
                    continue;
                to.Add(item?.DeepClone());
            }
        }
    }
}
