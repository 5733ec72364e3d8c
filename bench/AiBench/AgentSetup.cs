using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MultichannelMessages.MassBench;
using MultichannelMessages.Platform.Secrets;

namespace MultichannelMessages.AiBench;

/// <summary>
/// The demo project's AI, set up as tests/Worker.Tests/Ai/AgentRuntimeTests.cs does and as an admin would: a provider
/// pointed at the OpenAI sandbox (its key encrypted with the services' master key), a published agent "Sofía" (persona,
/// two measures, the tools search_manual and tag, handoff rules, a one-page manual) answering first on the demo WhatsApp
/// number, and the sandbox rules that play the model: an order question calls <c>tag</c> and then replies (two model
/// calls), anything else is replied to at once (one model call); every answer is a valid envelope.
/// </summary>
public static class AgentSetup
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public const string Manual = """
        # Envíos
        Los pedidos salen del almacén en 24 horas laborables y llegan en 24 a 48 horas a la península. El número de
        seguimiento llega por correo cuando el pedido sale.

        # Horario
        Atendemos de lunes a viernes de 9:00 a 19:00 y los sábados de 10:00 a 14:00.

        # Devoluciones
        Tienes 30 días para devolver un pedido sin usar. La recogida es gratuita.
        """;

    public static async Task<int> RunAsync(BenchOptions o)
    {
        await using var db = new AiDatabase(o.Text("db"));
        using var openAi = new OpenAiControl(o.Text("openai"));
        var masterKey = Environment.GetEnvironmentVariable("MM_Secrets__MasterKey")
            ?? throw new InvalidOperationException("MM_Secrets__MasterKey is not set (bench/ai.sh loads it as ./mm does)");
        var project = await db.ProjectIdAsync();

        var key = new SecretProtector(masterKey).Protect("sk-sandbox", SecretPlace.AiApiKey(project));
        await db.ExecuteAsync("""
            insert into bot.ai_providers (project_id, base_url, api_key_enc, chat_model, transcription_model, embedding_model, prices)
            values (@project, @baseUrl, @key, 'gpt-4.1-mini', 'whisper-1', @embedding,
                    '{"gpt-4.1-mini":{"input":0.4,"output":1.6},"whisper-1":{"minute":0.006},"text-embedding-3-small":{"input":0.02}}')
            """, new { project, baseUrl = o.Text("openai").TrimEnd('/') + "/v1", key,
                       embedding = o.Text("embeddings", "false") == "true" ? "text-embedding-3-small" : null });
        await db.ExecuteAsync("insert into chat.tags (project_id, name, color) values (@project, 'Pedidos', '#2f80ed')", new { project });
        var queue = await db.ScalarAsync<long>("insert into core.queues (project_id, name) values (@project, 'Atención personal') returning id", new { project });

        var definition = JsonSerializer.Serialize(new
        {
            persona = new
            {
                name = "Sofía",
                instructions = "Eres Sofía, la asistente de la tienda demo. Ayudas con pedidos, envíos, horarios y devoluciones. " +
                               "Usa el manual antes de responder sobre políticas; etiqueta con Pedidos las consultas de un pedido. " +
                               "No prometas reembolsos ni fechas que el manual no diga.",
                tone = "cercano y breve",
                languages = new[] { "es", "en" },
            },
            measures = new object[]
            {
                new { key = "intent", type = "enum", description = "Why the customer writes", values = new[] { "order_status", "opening_hours", "returns", "other" }, classification = true },
                new { key = "order_number", type = "string", description = "The order number the customer gave, if any" },
            },
            tools = new { builtin = new[] { "search_manual", "tag" }, custom = Array.Empty<object>() },
            handoff = new
            {
                queueId = queue,
                rules = new object[]
                {
                    new { kind = "asks_for_person", message = "Te paso con una persona del equipo; te escribirá por aquí en breve." },
                    new { kind = "keywords", message = "Esto lo lleva una persona del equipo; te escribirá en breve.", keywords = new[] { "abogado", "denuncia", "reclamación" } },
                    new { kind = "low_confidence", message = "Prefiero que lo vea una persona del equipo; te escribirá en breve.", threshold = 0.4 },
                    new { kind = "max_turns", message = "Te paso con una persona del equipo para terminar de ayudarte.", maxTurns = 8 },
                },
            },
            debounceSeconds = 1,
            maxTurns = 12,
            temperature = 0.2,
        }, Json);
        var agent = await db.ScalarAsync<long>("""
            with a as (insert into bot.ai_agents (project_id, name, draft) values (@project, 'Sofía', @definition::jsonb) returning id),
                 v as (insert into bot.ai_agent_versions (project_id, agent_id, version, definition)
                       select @project, a.id, 1, @definition::jsonb from a returning id, agent_id)
            select agent_id from v
            """, new { project, definition });
        await db.ExecuteAsync("update bot.ai_agents set published_version_id = (select max(id) from bot.ai_agent_versions where agent_id = @agent) where id = @agent",
            new { agent });
        await db.ExecuteAsync("""
            insert into bot.ai_activations (project_id, agent_id, account_id, first)
            select @project, @agent, id, 'bot' from meta.accounts where external_id = @number
            """, new { project, agent, number = AiDatabase.PhoneNumberId });
        // The manual, read and chunked by the Worker's manual loop (full text, and embedded with --embeddings true).
        var manual = Encoding.UTF8.GetBytes(Manual);
        await db.ExecuteAsync("""
            insert into bot.ai_documents (project_id, agent_id, name, content_type, size_bytes, sha256, content)
            values (@project, @agent, 'manual.md', 'text/markdown', @size, @sha, @manual)
            """, new { project, agent, size = manual.Length, sha = Convert.ToHexStringLower(SHA256.HashData(manual)), manual });

        await AddRulesAsync(openAi);
        Console.WriteLine($"project {project}: provider → the OpenAI sandbox (key encrypted), agent {agent} 'Sofía' v1 published and active (bot first), " +
                          $"handoff queue {queue}, manual queued");
        return 0;
    }

    private static async Task AddRulesAsync(OpenAiControl openAi)
    {
        object Envelope(string message, string intent, string? order = null) => new
        {
            action = "reply", messages = new[] { message }, handoff_reason = (string?)null, confidence = 0.9,
            measures = new { intent, order_number = order }, citations = Array.Empty<long>(),
        };
        await openAi.AddRuleAsync(new
        {
            id = "order-tag",
            match = new { last_user_regex = "(?i)\\bpedido\\D{0,20}(?<order>\\d{4,})" },
            respond = new { tool_calls = new[] { new { name = "tag", arguments = new { tag = "Pedidos" } } } },
        });
        await openAi.AddRuleAsync(new
        {
            id = "order-reply",
            match = new { after_tool = "tag", last_user_regex = "(?i)\\bpedido\\D{0,20}(?<order>\\d{4,})" },
            respond = new { json = Envelope("Tu pedido {{match.order}} salió ayer del almacén; llegará en 24 a 48 horas. El seguimiento te llega por correo.", "order_status", "{{match.order}}") },
        });
        await openAi.AddRuleAsync(new
        {
            id = "anything",
            match = new { },
            respond = new { json = Envelope("Atendemos de lunes a viernes de 9:00 a 19:00 y los sábados de 10:00 a 14:00. ¿Te ayudo con algo más?", "opening_hours") },
        });
    }
}
