using MultichannelMessages.Migrator;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Ai;

/// <summary>
/// The demo's AI agent as `./mm run` seeds it (Migrator seed-demo, DemoAiSeeder) answering through a real Worker and the
/// OpenAI sandbox with its own demo rules file (rules/support-demo.json): a greeting is answered, asking for a person hands
/// off with the envelope's handoff_reason. Seeding twice changes nothing, and never replaces a provider an admin moved
/// to a real endpoint.
/// </summary>
public sealed class DemoAgentTests(OpenAiSandboxHost openAi) : IClassFixture<OpenAiSandboxHost>
{
    private static Task<long> CustomerWritesAsync(WorkerDatabase db, string from, string text) =>
        db.ScalarAsync<long>("""
            with a as (select id, project_id, channel from meta.accounts where external_id = @account),
                 c as (insert into chat.contacts (project_id, channel, external_id, phone, language)
                       select a.project_id, a.channel, @from, @from, 'es' from a
                       on conflict (project_id, channel, external_id) do update set updated_at = now() returning id),
                 cv as (insert into chat.conversations (project_id, account_id, contact_id, channel, last_inbound_at)
                        select a.project_id, a.id, c.id, a.channel, now() from a, c
                        on conflict (account_id, contact_id) do update set last_inbound_at = now(), status = 'open' returning id, project_id, account_id),
                 m as (insert into chat.messages (project_id, conversation_id, account_id, direction, provider_message_id, type, body, status, status_rank, occurred_at)
                       select cv.project_id, cv.id, cv.account_id, 'in', 'wamid.in.' || gen_random_uuid(), 'text', @text, 'received', chat.status_rank('received'), now()
                       from cv returning conversation_id)
            select conversation_id from m
            """, new { account = DemoAiSeeder.AccountExternalId, from, text });

    [Fact]
    public async Task The_seeded_demo_agent_answers_on_the_demo_number_and_hands_off_when_asked_for_a_person()
    {
        var db = await WorkerDatabase.CreateAsync("ai_demo_agent");
        var protector = new SecretProtector(WorkerDatabase.MasterKey);
        var agentId = await DemoAiSeeder.SeedAsync(db.ConnectionString, protector, db.ProjectId, openAi.BaseUrl);
        Assert.Equal(agentId, await DemoAiSeeder.SeedAsync(db.ConnectionString, protector, db.ProjectId, openAi.BaseUrl));
        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from bot.ai_agent_versions where agent_id = @agentId", new { agentId }));
        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from bot.ai_activations where agent_id = @agentId and enabled", new { agentId }));
        // The key is stored as the Core API stores it: encrypted for this project's provider, never in plaintext.
        var key = await db.ScalarAsync<byte[]>("select api_key_enc from bot.ai_providers where project_id = @ProjectId", new { db.ProjectId });
        Assert.Equal(DemoAiSeeder.SandboxKey, protector.Unprotect(key, SecretPlace.AiApiKey(db.ProjectId)));
        Assert.DoesNotContain(DemoAiSeeder.SandboxKey, System.Text.Encoding.UTF8.GetString(key));

        await using var meta = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, meta, ("Ai:PollIntervalMs", "50"));
        var greeted = await CustomerWritesAsync(db, "34600222001", "Hola, buenas");
        var asking = await CustomerWritesAsync(db, "34600222002", "Quiero hablar con un humano, por favor");
        await db.ExecuteAsync("select bot.on_customer_messages(array[@greeted, @asking]::bigint[])", new { greeted, asking });

        await Eventually.TrueAsync(async () => (await meta.SentAsync()).Count(s => s.To is "34600222001" or "34600222002") >= 2,
            TimeSpan.FromSeconds(30), "the demo agent answers both customers");
        var sent = await meta.SentAsync();
        Assert.StartsWith("¡Hola! Soy el asistente de la tienda demo", Assert.Single(sent, s => s.To == "34600222001").Text);
        // The rule's message, then the state: handed off for the reason the envelope gave.
        Assert.Equal("Te paso con una persona del equipo; te escribirá por aquí en breve.", Assert.Single(sent, s => s.To == "34600222002").Text);
        await Eventually.TrueAsync(async () => (await db.QueryAsync<string>(
                "select state || ':' || state_reason from bot.ai_conversations where conversation_id = @asking", new { asking })).SingleOrDefault() == "handed_off:asks_for_person",
            TimeSpan.FromSeconds(10), "the conversation is handed off because the customer asked for a person");

        // An admin who moved the provider to a real endpoint keeps it when the demo is seeded again.
        await db.ExecuteAsync("update bot.ai_providers set base_url = 'https://api.openai.com/v1' where project_id = @ProjectId", new { db.ProjectId });
        await DemoAiSeeder.SeedAsync(db.ConnectionString, protector, db.ProjectId, openAi.BaseUrl);
        Assert.Equal("https://api.openai.com/v1", await db.ScalarAsync<string>("select base_url from bot.ai_providers where project_id = @ProjectId", new { db.ProjectId }));
    }
}
