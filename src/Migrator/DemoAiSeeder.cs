using Dapper;
using MultichannelMessages.Platform.Secrets;
using Npgsql;

namespace MultichannelMessages.Migrator;

/// <summary>
/// The demo project's AI agent (docs/ai-agents.md): a provider pointed at the local OpenAI sandbox with its key encrypted
/// as the Core API encrypts one (<see cref="SecretPlace.AiApiKey"/>, through bot.set_ai_provider, never plaintext in
/// SQL), a published support agent whose answers come from the sandbox's demo rules (src/OpenAiSandbox/rules/support-demo.json),
/// and an activation on the demo WhatsApp number, bot first. Run again it changes nothing an admin changed: a provider
/// moved to a real endpoint is left alone (only the sandbox's address and key are refreshed), an existing agent is kept,
/// and an existing activation is not duplicated.
/// </summary>
public static class DemoAiSeeder
{
    public const string SandboxKey = "sk-sandbox";
    public const string AgentName = "Demo support agent";
    public const string AccountExternalId = "1122334455667";

    public const string Definition = """
        {
          "persona": {
            "name": "Lucía",
            "instructions": "You answer the customers of the demo store: the status of an order, shipping, and thanks. When the customer asks for a person, hand off. Never invent an order's status.",
            "tone": "friendly and brief",
            "languages": ["es", "en"]
          },
          "measures": [
            { "key": "order_number", "type": "string", "description": "The order the customer asks about", "values": null },
            { "key": "intent", "type": "enum", "description": "Why the customer writes", "values": ["order_status", "shipping", "other"], "classification": true }
          ],
          "tools": { "builtin": [], "custom": [] },
          "handoff": {
            "queueId": null,
            "rules": [
              { "kind": "asks_for_person", "message": "Te paso con una persona del equipo; te escribirá por aquí en breve." },
              { "kind": "frustration", "message": "Siento las molestias. Te paso ahora mismo con una persona del equipo." },
              { "kind": "low_confidence", "message": "Prefiero que te lo confirme una persona del equipo; te escribirá en breve.", "threshold": 0.5 },
              { "kind": "keywords", "message": "Te paso con una persona del equipo que lleva estos casos.", "keywords": ["denuncia", "abogado", "lawyer"] }
            ]
          },
          "debounceSeconds": 2,
          "maxTurns": 12,
          "temperature": 0.2
        }
        """;

    /// <param name="sandboxBaseUrl">The OpenAI sandbox's /v1 address (http://127.0.0.1:5095/v1).</param>
    public static async Task<long> SeedAsync(string connectionString, SecretProtector protector, long projectId, string sandboxBaseUrl)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var current = await connection.QuerySingleOrDefaultAsync<string?>("select base_url from bot.ai_providers where project_id = @projectId",
            new { projectId }, tx);
        if (current is null || Uri.TryCreate(current, UriKind.Absolute, out var url) && url.IsLoopback)
            await connection.ExecuteAsync("""
                select bot.set_ai_provider(@projectId, @baseUrl, 'set', @key, 'gpt-4.1-mini', null, null, 'text-embedding-3-small', null,
                                           '{"gpt-4.1-mini":{"input":0.4,"output":1.6},"text-embedding-3-small":{"input":0.02}}'::jsonb,
                                           null, true, null)
                """, new { projectId, baseUrl = sandboxBaseUrl.TrimEnd('/'), key = protector.Protect(SandboxKey, SecretPlace.AiApiKey(projectId)) }, tx);

        var agentId = await connection.QuerySingleOrDefaultAsync<long?>("select id from bot.ai_agents where project_id = @projectId and name = @AgentName",
            new { projectId, AgentName }, tx);
        if (agentId is null)
        {
            var draft = Definition.Replace("\"queueId\": null", $"\"queueId\": {await GeneralQueueAsync(connection, tx, projectId)}", StringComparison.Ordinal);
            agentId = await connection.ExecuteScalarAsync<long>("select agent_id from bot.create_ai_agent(@projectId, @AgentName, @draft::jsonb, null)",
                new { projectId, AgentName, draft }, tx);
        }
        var (revision, published) = await connection.QuerySingleAsync<(int, bool)>(
            "select draft_revision, published_version_id is not null from bot.ai_agents where id = @agentId", new { agentId }, tx);
        if (!published)
            await connection.ExecuteAsync("select * from bot.publish_ai_agent(@projectId, @agentId, @revision, null)", new { projectId, agentId, revision }, tx);

        // The AI Agents module is on for the demo (an admin who turned it off keeps it off).
        await connection.ExecuteAsync("""
            insert into core.project_features (project_id, feature, enabled) values (@projectId, 'ai_agents', true)
            on conflict do nothing
            """, new { projectId }, tx);
        var accountId = await connection.ExecuteScalarAsync<long>("select id from meta.accounts where project_id = @projectId and external_id = @AccountExternalId",
            new { projectId, AccountExternalId }, tx);
        if (!await connection.ExecuteScalarAsync<bool>("select exists (select 1 from bot.ai_activations where project_id = @projectId and account_id = @accountId)",
                new { projectId, accountId }, tx))
            await connection.ExecuteAsync("""
                select * from bot.save_ai_activation(@projectId, null, @agentId, @accountId, null, null, 'always', 'bot', true, null)
                """, new { projectId, agentId, accountId }, tx);
        await tx.CommitAsync();
        return agentId.Value;
    }

    /// <summary>Handed-off conversations go to the General queue when the demo has one (it does with demo users).</summary>
    private static async Task<string> GeneralQueueAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long projectId) =>
        (await connection.QuerySingleOrDefaultAsync<long?>("select id from core.queues where project_id = @projectId and name = 'General'",
            new { projectId }, tx))?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null";
}
