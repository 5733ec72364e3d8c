using System.Text.Json;
using System.Text.RegularExpressions;

namespace MultichannelMessages.Platform.Import;

/// <summary>
/// The generic format, version 1 (docs/import.md): one JSON object a line with "type" and "v". Each line becomes one
/// staged row of its entity or one reject with a stable reason; nothing is skipped without a trace but blank lines.
/// A source id seen earlier in the run (any record of the same type) is a duplicate, whatever became of the first.
/// </summary>
public sealed partial class GenericRecordParser
{
    public const int Version = 1;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>Ids the run had already mapped before a resume: seeing them again is a duplicate too.</summary>
    public void Seen(string entity, string sourceId) => _seen.Add(entity + '\u0001' + sourceId);

    public void Parse(ReadOnlyMemory<byte> bytes, long line, ImportBatch batch)
    {
        JsonDocument document;
        // PostgreSQL's text and jsonb cannot hold U+0000: refused here rather than failing the whole batch's COPY.
        if (bytes.Span.IndexOf("\\u0000"u8) >= 0)
        {
            batch.Count("record");
            batch.Rejects.Add(new RejectRow(line, "record", null, "invalid_value", "a NUL character (\\u0000), which the database cannot store"));
            return;
        }
        try { document = JsonDocument.Parse(bytes); }
        catch (JsonException ex)
        {
            batch.Count("record");
            batch.Rejects.Add(new RejectRow(line, "record", null, "malformed_json", Clip(ex.Message)));
            return;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                batch.Count("record");
                batch.Rejects.Add(new RejectRow(line, "record", null, "malformed_json", "a record is a JSON object"));
                return;
            }
            var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : null;
            if (type is null || !Entities.Contains(type))
            {
                batch.Count("record");
                batch.Rejects.Add(new RejectRow(line, "record", Text(root, "id"),
                    type is null ? "missing_type" : "unsupported_record_type", type));
                return;
            }
            batch.Count(type);
            CountDroppedFields(root, type, batch);
            var record = new Record(root, line, type);
            try
            {
                if (!root.TryGetProperty("v", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version) || version != Version)
                    throw new RecordRefused("unsupported_version", $"\"v\" must be {Version}");
                var id = record.Required("id");
                if (id.Length > 500) throw new RecordRefused("invalid_value", "id: longer than 500 characters");
                record.SourceId = id;
                if (!_seen.Add(type + '\u0001' + id)) throw new RecordRefused("duplicate_source_id", $"{type} {id} appeared earlier in the file");
                Add(record, batch);
            }
            catch (RecordRefused refused)
            {
                batch.Rejects.Add(new RejectRow(line, type, record.SourceId ?? Text(root, "id"), refused.Reason, Clip(refused.Message)));
            }
        }
    }

    /// <summary>The fields the format names per record type (docs/import.md); any other is dropped, and counted so the
    /// report shows what a converter left behind.</summary>
    private static readonly Dictionary<string, HashSet<string>> KnownFields = new()
    {
        ["account"] = ["type", "v", "id", "channel", "externalId", "wabaId", "name", "phone"],
        ["agent"] = ["type", "v", "id", "email", "name"],
        ["tag"] = ["type", "v", "id", "name", "color"],
        ["template"] = ["type", "v", "id", "account", "name", "language", "category", "status", "components", "metaTemplateId"],
        ["contact"] = ["type", "v", "id", "channel", "externalId", "name", "phone", "language", "attributes"],
        ["conversation"] = ["type", "v", "id", "account", "contact", "status", "assignee", "tags", "createdAt", "resolvedAt"],
        ["message"] = ["type", "v", "id", "conversation", "direction", "kind", "text", "occurredAt", "status", "statuses",
                       "providerMessageId", "replyTo", "agent", "location", "media", "extra"],
        ["note"] = ["type", "v", "id", "conversation", "author", "body", "createdAt"],
        ["flow"] = [],
    };

    private static void CountDroppedFields(JsonElement root, string type, ImportBatch batch)
    {
        var known = KnownFields[type];
        if (known.Count == 0) return;
        foreach (var property in root.EnumerateObject())
            if (!known.Contains(property.Name))
                batch.Dropped(type + "." + (property.Name.Length <= 100 ? property.Name : property.Name[..100]));
    }

    private static readonly HashSet<string> Entities = ["account", "agent", "tag", "template", "contact", "conversation", "message", "note", "flow"];
    private static readonly string[] MetaTemplateStatuses = ["PENDING", "APPROVED", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL",
        "PENDING_DELETION", "LIMIT_EXCEEDED", "ARCHIVED"];
    private static readonly string[] MessageKinds = ["text", "image", "video", "audio", "document", "sticker", "location", "template", "reaction"];
    private static readonly string[] MediaKinds = ["image", "video", "audio", "document", "sticker"];

    private static void Add(Record r, ImportBatch batch)
    {
        switch (r.Type)
        {
            case "account":
                var channel = Channel(r.Required("channel"));
                var externalId = r.Required("externalId");
                var waba = r.Optional("wabaId");
                if (channel == "whatsapp" && waba is null) throw new RecordRefused("missing_field", "wabaId: required for a WhatsApp number");
                batch.Accounts.Add(new AccountRow(r.Line, r.SourceId!, channel, externalId, waba, r.Optional("name") ?? externalId, r.Optional("phone")));
                break;
            case "agent":
                var email = r.Required("email");
                if (!email.Contains('@')) throw new RecordRefused("invalid_value", "email: not an e-mail address");
                batch.Agents.Add(new AgentRow(r.Line, r.SourceId!, email, r.Optional("name")));
                break;
            case "tag":
                var name = r.Required("name");
                if (name.Length > 50) throw new RecordRefused("invalid_value", "name: longer than 50 characters");
                var color = r.Optional("color")?.ToLowerInvariant();
                batch.Tags.Add(new TagRow(r.Line, r.SourceId!, name, color is not null && ColorPattern().IsMatch(color) ? color : "#64748b"));
                break;
            case "template":
                var templateName = r.Required("name");
                if (!TemplateNamePattern().IsMatch(templateName)) throw new RecordRefused("invalid_value", "name: lower-case letters, digits and _ only");
                var category = r.Required("category").ToUpperInvariant();
                if (category is not ("MARKETING" or "UTILITY" or "AUTHENTICATION")) throw new RecordRefused("invalid_value", "category: " + category);
                var status = r.Required("status").ToUpperInvariant();
                if (!MetaTemplateStatuses.Contains(status)) throw new RecordRefused("invalid_value", "status: " + status);
                batch.Templates.Add(new TemplateRow(r.Line, r.SourceId!, r.Required("account"), templateName, r.Required("language"), category,
                    status, r.RequiredJson("components", JsonValueKind.Array), r.Optional("metaTemplateId")));
                break;
            case "contact":
                var language = r.Optional("language");
                if (language is not null && !LanguagePattern().IsMatch(language)) throw new RecordRefused("invalid_value", "language: " + language);
                batch.Contacts.Add(new ContactRow(r.Line, r.SourceId!, Channel(r.Required("channel")), r.Required("externalId"),
                    r.Optional("name"), r.Optional("phone"), language, r.OptionalJson("attributes", JsonValueKind.Object)));
                break;
            case "conversation":
                batch.Conversations.Add(new ConversationRow(r.Line, r.SourceId!, r.Required("account"), r.Required("contact"),
                    ConversationStatus(r.Optional("status")), r.Optional("assignee"), r.OptionalTime("createdAt"), r.OptionalTime("resolvedAt"),
                    r.StringArray("tags")));
                break;
            case "message":
                batch.Messages.Add(Message(r));
                break;
            case "note":
                var body = r.Required("body");
                if (body.Length > 4000) throw new RecordRefused("invalid_value", "body: longer than 4,000 characters");
                batch.Notes.Add(new NoteRow(r.Line, r.SourceId!, r.Required("conversation"), r.Required("author"), body, r.RequiredTime("createdAt")));
                break;
            case "flow":
                throw new RecordRefused("flow_use_flow_import", "chatbot flows are imported by POST /projects/{id}/bots/import (docs/chatbots-legacy-import.md)");
        }
    }

    private static MessageRow Message(Record r)
    {
        var direction = r.Required("direction") switch
        {
            "in" or "incoming" or "inbound" => "in",
            "out" or "outgoing" or "outbound" => "out",
            var other => throw new RecordRefused("invalid_value", "direction: " + other),
        };
        var kind = r.Required("kind");
        if (!MessageKinds.Contains(kind)) throw new RecordRefused("unsupported_message_type", "kind: " + kind);
        var occurredAt = r.RequiredTime("occurredAt");
        var text = r.Optional("text");
        if (kind is "text" or "reaction" && text is null) throw new RecordRefused("missing_field", "text: required for a " + kind);
        var (status, statusAt, errorCode, errorTitle, history) = direction == "in"
            ? ("received", (DateTime?)null, (int?)null, (string?)null, (List<object>?)null)
            : OutboundStatus(r, occurredAt);
        var payload = new Dictionary<string, object>();
        if (kind == "location")
        {
            if (!r.Root.TryGetProperty("location", out var location) || location.ValueKind != JsonValueKind.Object
                || !location.TryGetProperty("latitude", out var lat) || lat.ValueKind != JsonValueKind.Number
                || !location.TryGetProperty("longitude", out var lon) || lon.ValueKind != JsonValueKind.Number)
                throw new RecordRefused("missing_field", "location: latitude and longitude are required");
            payload["location"] = location.Clone();
            text ??= Text(location, "name") ?? Text(location, "address");
        }
        if (history is { Count: > 1 }) payload["importStatuses"] = history;
        if (r.Root.TryGetProperty("extra", out var extra) && extra.ValueKind == JsonValueKind.Object) payload["extra"] = extra.Clone();
        return new MessageRow(r.Line, r.SourceId!, r.Required("conversation"), direction, kind, text, occurredAt, status, statusAt,
            errorCode, errorTitle, r.Optional("providerMessageId"), r.Optional("replyTo"), r.Optional("agent"),
            payload.Count == 0 ? null : JsonSerializer.Serialize(payload), Media(r, kind));
    }

    /// <summary>The furthest status the source saw (by the platform's status ranks) and when. A message the source
    /// never sent (queued, pending) is imported as failed: nothing will send it now.</summary>
    private static (string, DateTime?, int?, string?, List<object>?) OutboundStatus(Record r, DateTime occurredAt)
    {
        var history = new List<(string Status, DateTime? At, int? Code, string? Title)>();
        if (r.Optional("status") is { } single) history.Add((single, null, null, null));
        if (r.Root.TryGetProperty("statuses", out var statuses))
        {
            if (statuses.ValueKind != JsonValueKind.Array) throw new RecordRefused("invalid_value", "statuses: an array");
            foreach (var s in statuses.EnumerateArray())
            {
                var item = new Record(s, r.Line, "status");
                int? code = s.TryGetProperty("errorCode", out var c) && c.TryGetInt32(out var n) ? n : null;
                history.Add((item.Required("status"), item.OptionalTime("at"), code, item.Optional("errorTitle")));
            }
        }
        if (history.Count == 0) history.Add(("sent", null, null, null));
        (string Status, DateTime? At, int? Code, string? Title) best = default;
        var bestRank = -1;
        foreach (var h in history)
        {
            var rank = h.Status switch
            {
                "queued" or "pending" => 0, "sent" => 10, "failed" => 15, "delivered" => 20, "read" => 30, "played" => 40,
                _ => throw new RecordRefused("invalid_value", "status: " + h.Status),
            };
            if (rank > bestRank || rank == bestRank && h.At > best.At) { best = h; bestRank = rank; }
        }
        var list = history.Select(h => (object)new { status = h.Status, at = h.At, errorCode = h.Code, errorTitle = h.Title }).ToList();
        return bestRank == 0
            ? ("failed", (DateTime?)(best.At ?? occurredAt), (int?)null, (string?)"not sent by the source system", (List<object>?)list)
            : (best.Status!, best.At ?? occurredAt, best.Code, best.Title, list);
    }

    private static string? Media(Record r, string messageKind)
    {
        if (!r.Root.TryGetProperty("media", out var media) || media.ValueKind == JsonValueKind.Null)
        {
            if (MediaKinds.Contains(messageKind)) throw new RecordRefused("missing_field", "media: required for a " + messageKind);
            return null;
        }
        if (media.ValueKind != JsonValueKind.Array) throw new RecordRefused("invalid_value", "media: an array");
        var items = new List<Dictionary<string, string?>>();
        foreach (var m in media.EnumerateArray())
        {
            if (m.ValueKind != JsonValueKind.Object) throw new RecordRefused("invalid_value", "media: an array of objects");
            var kind = Text(m, "kind") ?? (MediaKinds.Contains(messageKind) ? messageKind : "document");
            if (!MediaKinds.Contains(kind)) throw new RecordRefused("unsupported_message_type", "media kind: " + kind);
            var url = Text(m, "url");
            if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
                throw new RecordRefused("invalid_value", "media url: an absolute http(s) URL");
            items.Add(new() { ["kind"] = kind, ["url"] = url, ["mimeType"] = Text(m, "mimeType"), ["fileName"] = Text(m, "fileName"),
                              ["caption"] = Text(m, "caption"), ["sha256"] = Text(m, "sha256") });
        }
        return items.Count == 0 ? null : JsonSerializer.Serialize(items);
    }

    private static string Channel(string value) => value.ToLowerInvariant() switch
    {
        "whatsapp" => "whatsapp",
        "messenger" or "facebook" => "messenger",
        "instagram" => "instagram",
        _ => throw new RecordRefused("unsupported_channel", "channel: " + value),
    };

    private static string ConversationStatus(string? value) => value?.ToLowerInvariant() switch
    {
        null or "resolved" or "closed" => "resolved",
        "open" or "pending" or "snoozed" => "open",
        var other => throw new RecordRefused("invalid_value", "status: " + other),
    };

    private static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var p) ? p.ValueKind switch
        {
            JsonValueKind.String => p.GetString() is { Length: > 0 } s ? s : null,
            JsonValueKind.Number => p.GetRawText(),
            _ => null,
        } : null;

    private static string Clip(string text) => text.Length <= 300 ? text : text[..300];

    [GeneratedRegex("^#[0-9a-f]{6}$")] private static partial Regex ColorPattern();
    [GeneratedRegex("^[a-z0-9_]{1,512}$")] private static partial Regex TemplateNamePattern();
    [GeneratedRegex("^[a-z]{2,3}(_[A-Z]{2})?$")] private static partial Regex LanguagePattern();
}
