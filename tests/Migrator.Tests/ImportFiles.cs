using System.Text.Json;

namespace MultichannelMessages.Migrator.Tests;

/// <summary>Generic-format files for the import tests (docs/import.md), written to a temp folder; timestamps are
/// relative to the test's clock so the window state they lead to is known.</summary>
internal static class ImportFiles
{
    public static string Line(object record) => JsonSerializer.Serialize(record);

    public static string Iso(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ");

    public static string Write(IEnumerable<string> lines)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("mm-import-").FullName, "export.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>Every kind of entity: two accounts (WhatsApp, Messenger), an agent, a tag, a template, two contacts,
    /// two conversations, six messages (statuses, an image by URL), a note.</summary>
    public static List<string> EveryEntity(DateTime now) =>
    [
        Line(new { type = "account", v = 1, id = "acc-wa", channel = "whatsapp", externalId = "1065550001", wabaId = "waba-1", name = "Ventas", phone = "+34 910 000 001" }),
        Line(new { type = "account", v = 1, id = "acc-fb", channel = "facebook", externalId = "page-77", name = "Tienda" }),
        Line(new { type = "agent", v = 1, id = "ag-1", email = "ana@example.com", name = "Ana" }),
        Line(new { type = "tag", v = 1, id = "t-vip", name = "VIP", color = "#AA00FF" }),
        Line(new { type = "template", v = 1, id = "tp-1", account = "acc-wa", name = "order_update", language = "es", category = "utility",
                   status = "APPROVED", metaTemplateId = "9001", components = new object[] { new { type = "BODY", text = "Tu pedido {{1}} está en camino" } } }),
        Line(new { type = "contact", v = 1, id = "c-1", channel = "whatsapp", externalId = "34600111222", name = "María", phone = "+34600111222",
                   language = "es", attributes = new { plan = "gold" } }),
        Line(new { type = "contact", v = 1, id = "c-2", channel = "messenger", externalId = "psid-9", name = "Luis" }),
        Line(new { type = "conversation", v = 1, id = "cv-1", account = "acc-wa", contact = "c-1", status = "open", assignee = "ag-1",
                   tags = new[] { "t-vip" }, createdAt = Iso(now.AddDays(-3)) }),
        Line(new { type = "conversation", v = 1, id = "cv-2", account = "acc-fb", contact = "c-2", status = "resolved", createdAt = Iso(now.AddDays(-5)) }),
        Line(new { type = "message", v = 1, id = "m-1", conversation = "cv-1", direction = "in", kind = "text", text = "Hola, ¿tenéis la talla M?",
                   occurredAt = Iso(now.AddDays(-3)), providerMessageId = "wamid.import-1" }),
        Line(new { type = "message", v = 1, id = "m-2", conversation = "cv-1", direction = "out", kind = "text", text = "Sí, la tenemos.", agent = "ag-1",
                   occurredAt = Iso(now.AddDays(-3).AddMinutes(5)),
                   statuses = new object[] { new { status = "sent", at = Iso(now.AddDays(-3).AddMinutes(5)) },
                                             new { status = "delivered", at = Iso(now.AddDays(-3).AddMinutes(6)) },
                                             new { status = "read", at = Iso(now.AddDays(-3).AddMinutes(7)) } } }),
        Line(new { type = "message", v = 1, id = "m-3", conversation = "cv-1", direction = "in", kind = "image",
                   occurredAt = (long)(now.AddHours(-2) - DateTime.UnixEpoch).TotalSeconds,
                   media = new object[] { new { url = "https://cdn.example.com/photos/m3.jpg", mimeType = "image/jpeg", caption = "esta" } } }),
        Line(new { type = "message", v = 1, id = "m-4", conversation = "cv-1", direction = "in", kind = "text", text = "¿Sigue disponible?",
                   occurredAt = Iso(now.AddHours(-1)) }),
        Line(new { type = "message", v = 1, id = "m-5", conversation = "cv-2", direction = "in", kind = "text", text = "Quiero devolver un pedido",
                   occurredAt = (long)(now.AddDays(-5) - DateTime.UnixEpoch).TotalMilliseconds }),
        Line(new { type = "message", v = 1, id = "m-6", conversation = "cv-2", direction = "out", kind = "text", text = "Te enviamos la etiqueta.",
                   occurredAt = Iso(now.AddDays(-5).AddMinutes(2)), status = "delivered" }),
        Line(new { type = "note", v = 1, id = "n-1", conversation = "cv-1", author = "ag-1", body = "Clienta VIP: prioridad", createdAt = Iso(now.AddDays(-3)) }),
    ];

    /// <summary>A long file for batching and resume: one account, then per customer a contact, a conversation and
    /// messages.</summary>
    public static List<string> Many(DateTime now, int customers, int messagesEach)
    {
        var lines = new List<string>
        {
            Line(new { type = "account", v = 1, id = "acc", channel = "whatsapp", externalId = "1065559999", wabaId = "waba-9", name = "Bulk" }),
        };
        for (var c = 0; c < customers; c++)
        {
            lines.Add(Line(new { type = "contact", v = 1, id = $"c{c}", channel = "whatsapp", externalId = $"3460000{c:D4}" }));
            lines.Add(Line(new { type = "conversation", v = 1, id = $"cv{c}", account = "acc", contact = $"c{c}" }));
            for (var m = 0; m < messagesEach; m++)
                lines.Add(Line(new { type = "message", v = 1, id = $"m{c}-{m}", conversation = $"cv{c}", direction = m % 2 == 0 ? "in" : "out",
                                     kind = "text", text = $"mensaje {m} de {c}", occurredAt = Iso(now.AddDays(-10).AddSeconds(c * 100 + m)) }));
        }
        return lines;
    }
}
