using Dapper;
using Npgsql;

namespace MultichannelMessages.Migrator;

/// <summary>
/// The demo project's chatbot (docs/chatbots.md): a published menu flow — reply buttons, a question with validation
/// (a six-digit order number, two tries), keyword routing in English and Spanish, a handoff to the General queue —
/// started by new conversations on the demo's US WhatsApp number, the Facebook page and the Instagram account (the
/// other WhatsApp number is the AI agent's). Run again it changes nothing an admin changed: an existing flow is kept
/// and activations are not duplicated.
/// </summary>
public static class DemoFlowSeeder
{
    public const string FlowName = "Demo menu";
    public static readonly string[] AccountExternalIds = ["106540352242922", "1000000000001", "17841400000000001"];

    public const string Definition = """
        {
          "start": "welcome",
          "channels": ["whatsapp", "messenger", "instagram"],
          "expiryMinutes": 240,
          "timeoutMessage": "Cerramos este chat por inactividad. Escríbenos cuando quieras.",
          "maxStepsPerMessage": 25,
          "maxMessagesPerMinute": 12,
          "handoffQueueId": null,
          "nodes": [
            { "id": "welcome", "type": "message", "text": "¡Hola {{contact.name}}! Soy el asistente automático de la tienda demo.", "next": "menu", "x": 40, "y": 40 },
            { "id": "menu", "type": "choice", "text": "¿En qué te ayudo?", "style": "buttons", "saveAs": "topic", "retries": 2,
              "invalidMessage": "Toca uno de los botones, o escribe 1, 2 o 3.", "fallback": "handoff", "x": 40, "y": 160,
              "choices": [
                { "id": "orders", "title": "Mi pedido", "next": "ask_order", "keywords": ["pedido", "order", "envio", "shipping"] },
                { "id": "shop", "title": "Comprar", "next": "shop", "keywords": ["comprar", "buy", "precio", "price"] },
                { "id": "person", "title": "Una persona", "next": "handoff", "keywords": ["persona", "person", "humano", "agente"] }
              ] },
            { "id": "ask_order", "type": "question", "text": "¿Cuál es tu número de pedido? Son 6 dígitos.", "expect": "pattern",
              "pattern": "^[0-9]{6}$", "saveAs": "order", "retries": 2, "invalidMessage": "Ese no parece un número de pedido: son 6 dígitos, p. ej. 102345.",
              "fallback": "handoff", "next": "order_noted", "x": 40, "y": 300 },
            { "id": "order_noted", "type": "set_attribute", "attribute": "last_order", "value": "{{order}}", "next": "order_done", "x": 40, "y": 420 },
            { "id": "order_done", "type": "end", "text": "Gracias. Hemos anotado el pedido {{order}}: una persona del equipo te escribirá con su estado hoy mismo.", "x": 40, "y": 540 },
            { "id": "shop", "type": "intent", "text": "¿Qué buscas? Por ejemplo: zapatillas, bolsos o regalos.", "retries": 1,
              "invalidMessage": "No lo encontré en el catálogo. Prueba con zapatillas, bolsos o regalos.", "fallback": "handoff", "x": 360, "y": 300,
              "intents": [
                { "name": "shoes", "keywords": ["zapatillas", "zapatos", "shoes", "sneakers"], "next": "shoes" },
                { "name": "bags", "keywords": ["bolso", "bolsos", "bag", "bags"], "next": "bags" },
                { "name": "gifts", "keywords": ["regalo", "regalos", "gift", "gifts"], "next": "handoff" }
              ] },
            { "id": "shoes", "type": "end", "text": "Tenemos zapatillas desde 49 €: https://shop.example.com/zapatillas", "x": 300, "y": 440 },
            { "id": "bags", "type": "end", "text": "Nuestros bolsos están aquí: https://shop.example.com/bolsos", "x": 480, "y": 440 },
            { "id": "handoff", "type": "handoff", "text": "Te paso con una persona del equipo; te escribirá por aquí en breve.", "x": 680, "y": 160 }
          ]
        }
        """;

    public static async Task<long> SeedAsync(string connectionString, long projectId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var flowId = await connection.QuerySingleOrDefaultAsync<long?>("select id from bot.flows where project_id = @projectId and name = @FlowName",
            new { projectId, FlowName }, tx);
        if (flowId is null)
        {
            var queue = await connection.QuerySingleOrDefaultAsync<long?>("select id from core.queues where project_id = @projectId and name = 'General'",
                new { projectId }, tx);
            var definition = Definition.Replace("\"handoffQueueId\": null",
                $"\"handoffQueueId\": {queue?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"}", StringComparison.Ordinal);
            flowId = await connection.ExecuteScalarAsync<long>(
                "insert into bot.flows (project_id, name, draft) values (@projectId, @FlowName, @definition::jsonb) returning id",
                new { projectId, FlowName, definition }, tx);
            var versionId = await connection.ExecuteScalarAsync<long>("""
                insert into bot.flow_versions (project_id, flow_id, version, definition) values (@projectId, @flowId, 1, @definition::jsonb) returning id
                """, new { projectId, flowId, definition }, tx);
            await connection.ExecuteAsync("update bot.flows set published_version_id = @versionId where id = @flowId", new { versionId, flowId }, tx);
        }
        // The Chatbots module is on for the demo (an admin who turned it off keeps it off).
        await connection.ExecuteAsync("""
            insert into core.project_features (project_id, feature, enabled) values (@projectId, 'chatbots', true)
            on conflict do nothing
            """, new { projectId }, tx);
        await connection.ExecuteAsync("""
            insert into bot.flow_activations (project_id, flow_id, account_id, entry)
            select @projectId, @flowId, a.id, 'new_conversation'
            from meta.accounts a
            where a.project_id = @projectId and a.external_id = any(@AccountExternalIds)
              and not exists (select 1 from bot.flow_activations x where x.account_id = a.id and x.flow_id = @flowId)
            """, new { projectId, flowId, AccountExternalIds }, tx);
        await tx.CommitAsync();
        return flowId.Value;
    }
}
