using System.Text.Json;
using MultichannelMessages.Migrator;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Bots;

/// <summary>The demo's chatbot as `./mm run` seeds it (Migrator seed-demo, DemoFlowSeeder) running through a real Worker:
/// the menu's buttons, the order question with its validation, keyword routing, the handoff; seeding twice changes nothing.</summary>
public sealed class DemoFlowTests
{
    private static async Task CustomerWritesAsync(WorkerDatabase db, string from, string text, object? payload = null)
    {
        var (conversationId, messageId, created) = (await db.QueryAsync<(long, long, bool)>("""
            with a as (select id, project_id, channel from meta.accounts where external_id = '106540352242922'),
                 c as (insert into chat.contacts (project_id, channel, external_id, phone, display_name, language)
                       select a.project_id, a.channel, @from, @from, 'Nerea', 'es' from a
                       on conflict (project_id, channel, external_id) do update set updated_at = now() returning id),
                 cv as (insert into chat.conversations (project_id, account_id, contact_id, channel, last_inbound_at)
                        select a.project_id, a.id, c.id, a.channel, now() from a, c
                        on conflict (account_id, contact_id) do update set last_inbound_at = now() returning id, project_id, account_id, (xmax = 0) as created),
                 m as (insert into chat.messages (project_id, conversation_id, account_id, direction, provider_message_id, type, body, payload, status, status_rank, occurred_at)
                       select cv.project_id, cv.id, cv.account_id, 'in', 'wamid.in.' || gen_random_uuid(), 'text', @text, @payload::jsonb, 'received', chat.status_rank('received'), now()
                       from cv returning id, conversation_id)
            select m.conversation_id, m.id, cv.created from m, cv
            """, new { from, text, payload = payload is null ? null : JsonSerializer.Serialize(payload) })).Single();
        await db.ExecuteAsync("select bot.flow_on_messages(array[@messageId]::bigint[], case when @created then array[@conversationId]::bigint[] end)",
            new { messageId, conversationId, created });
    }

    private static async Task<string[]> TextsAsync(SandboxHost meta, string to) =>
        [.. (await meta.SentAsync()).Where(s => s.To == to).OrderBy(s => s.SentAt).Select(s => s.Text ?? "")];

    private static Task WaitAsync(SandboxHost meta, string to, int count) =>
        Eventually.TrueAsync(async () => (await TextsAsync(meta, to)).Length >= count, TimeSpan.FromSeconds(20), $"{count} messages to {to}");

    [Fact]
    public async Task The_seeded_demo_menu_answers_buttons_validates_the_order_routes_keywords_and_hands_off()
    {
        var db = await WorkerDatabase.CreateAsync("bots_demo_flow");
        var flowId = await DemoFlowSeeder.SeedAsync(db.ConnectionString, db.ProjectId);
        Assert.Equal(flowId, await DemoFlowSeeder.SeedAsync(db.ConnectionString, db.ProjectId));
        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from bot.flow_versions where flow_id = @flowId", new { flowId }));
        Assert.Equal(3L, await db.ScalarAsync<long>("select count(*) from bot.flow_activations where flow_id = @flowId", new { flowId }));
        Assert.True(await db.ScalarAsync<bool>("select enabled from core.console_features(@ProjectId) where feature = 'chatbots'", new { db.ProjectId }));

        await using var meta = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, meta, ("Bots:PollIntervalMs", "100"), ("Ai:Enabled", "false"));

        await CustomerWritesAsync(db, "34600333001", "hola");
        await CustomerWritesAsync(db, "34600333002", "buenas");
        await WaitAsync(meta, "34600333001", 2);
        await WaitAsync(meta, "34600333002", 2);
        Assert.Equal(["¡Hola Nerea! Soy el asistente automático de la tienda demo.", "¿En qué te ayudo?"], await TextsAsync(meta, "34600333001"));

        // An order: the tapped button, a wrong number, then a right one.
        await CustomerWritesAsync(db, "34600333001", "Mi pedido", new { interactive = new { type = "button_reply", button_reply = new { id = "orders", title = "Mi pedido" } } });
        await WaitAsync(meta, "34600333001", 3);
        await CustomerWritesAsync(db, "34600333001", "el 12");
        await WaitAsync(meta, "34600333001", 4);
        await CustomerWritesAsync(db, "34600333001", "102345");
        await WaitAsync(meta, "34600333001", 5);
        Assert.Equal(["¿Cuál es tu número de pedido? Son 6 dígitos.", "Ese no parece un número de pedido: son 6 dígitos, p. ej. 102345.",
                      "Gracias. Hemos anotado el pedido 102345: una persona del equipo te escribirá con su estado hoy mismo."],
            (await TextsAsync(meta, "34600333001"))[2..]);
        Assert.Equal("102345", await db.ScalarAsync<string>("select attributes ->> 'last_order' from chat.contacts where external_id = '34600333001'"));

        // Shopping by typing "2", then keywords with accents; asking for a person hands off to the General queue.
        await CustomerWritesAsync(db, "34600333002", "2");
        await WaitAsync(meta, "34600333002", 3);
        await CustomerWritesAsync(db, "34600333002", "Busco unas ZAPATILLAS");
        await WaitAsync(meta, "34600333002", 4);
        Assert.Equal("Tenemos zapatillas desde 49 €: https://shop.example.com/zapatillas", (await TextsAsync(meta, "34600333002"))[3]);

        await CustomerWritesAsync(db, "34600333003", "hola");
        await WaitAsync(meta, "34600333003", 2);
        await CustomerWritesAsync(db, "34600333003", "quiero hablar con una persona");
        await WaitAsync(meta, "34600333003", 3);
        Assert.Equal("Te paso con una persona del equipo; te escribirá por aquí en breve.", (await TextsAsync(meta, "34600333003"))[2]);
        await Eventually.TrueAsync(async () => await db.ScalarAsync<string>("""
                select s.status || ':' || s.reason from bot.flow_sessions s join chat.conversations c on c.id = s.conversation_id
                join chat.contacts ct on ct.id = c.contact_id where ct.external_id = '34600333003'
                """) == "handed_off:flow_handoff", TimeSpan.FromSeconds(10), "handed off to people");
    }
}
