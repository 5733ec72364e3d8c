using System.Text.Json;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Ai;

/// <summary>
/// The agent editor's test chat through a real Worker and the OpenAI SDK against the OpenAI sandbox: the thread is
/// answered by the definition the run was asked with, exactly as a conversation would be (rules, tools, envelope), but
/// nothing is sent and no tool that writes runs. Requests are written as the Core API writes them
/// (bot.request_ai_test_run).
/// </summary>
public sealed class TestRunTests(OpenAiSandboxHost openAi) : IClassFixture<OpenAiSandboxHost>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Run(string Status, string? Action, string Replies, string? HandoffReason, string ToolCalls, string Measures,
        string? Error, int TokensIn, int TokensOut);

    private static string Definition(string scope, string[]? builtin = null, object? handoff = null) => JsonSerializer.Serialize(new
    {
        persona = new { name = "Ana", instructions = "You help the demo store's customers. " + scope, tone = "friendly", languages = new[] { "es", "en" } },
        measures = new[] { new { key = "intent", type = "enum", description = "Why the customer writes", values = new[] { "order_status", "other" }, classification = true } },
        tools = new { builtin = builtin ?? [], custom = Array.Empty<object>() },
        handoff = handoff ?? new { queueId = (long?)null, rules = new object[] { new { kind = "asks_for_person", message = "Te paso con una persona." } } },
        debounceSeconds = 1,
        maxTurns = 12,
        temperature = 0.2,
    }, Json);

    /// <summary>A project with a provider on the sandbox, an agent whose draft carries <paramref name="draftScope"/> and,
    /// when given, a published version carrying <paramref name="publishedScope"/>, and the person who tests it.</summary>
    private async Task<(WorkerDatabase Db, long AgentId, long Person)> AgentAsync(string label, string draftScope, string? publishedScope = null,
        string[]? builtin = null, object? handoff = null)
    {
        var db = await WorkerDatabase.CreateAsync(label);
        var key = new SecretProtector(WorkerDatabase.MasterKey).Protect(openAi.NewKey(), SecretPlace.AiApiKey(db.ProjectId));
        await db.ExecuteAsync("""
            insert into bot.ai_providers (project_id, base_url, api_key_enc, chat_model, prices)
            values (@project, @baseUrl, @key, 'gpt-4.1-mini', '{"gpt-4.1-mini":{"input":0.4,"output":1.6}}')
            """, new { project = db.ProjectId, baseUrl = openAi.BaseUrl, key });
        var agentId = await db.ScalarAsync<long>("insert into bot.ai_agents (project_id, name, draft) values (@project, 'Ana', @draft::jsonb) returning id",
            new { project = db.ProjectId, draft = Definition(draftScope, builtin, handoff) });
        if (publishedScope is not null)
            await db.ExecuteAsync("""
                with v as (insert into bot.ai_agent_versions (project_id, agent_id, version, definition) values (@project, @agentId, 1, @definition::jsonb) returning id)
                update bot.ai_agents set published_version_id = (select id from v) where id = @agentId
                """, new { project = db.ProjectId, agentId, definition = Definition(publishedScope, builtin, handoff) });
        var person = await db.ScalarAsync<long>("insert into core.users (email, display_name, password_hash) values (@email, 'Marta', 'x') returning id",
            new { email = Guid.NewGuid().ToString("N")[..10] + "@demo.local" });
        return (db, agentId, person);
    }

    private static Task<long> RequestAsync(WorkerDatabase db, long agentId, long person, bool published, params (string Role, string Text)[] lines) =>
        db.ScalarAsync<long>("select run_id from bot.request_ai_test_run(@project, @agentId, @published, @messages::jsonb, @person)", new
        {
            project = db.ProjectId, agentId, published, person,
            messages = JsonSerializer.Serialize(lines.Select(l => new { role = l.Role, text = l.Text })),
        });

    private static async Task<Run> FinishedAsync(WorkerDatabase db, long runId)
    {
        Run? run = null;
        await Eventually.TrueAsync(async () =>
        {
            run = (await db.QueryAsync<Run>("""
                select status, action, replies::text as replies, handoff_reason, tool_calls::text as tool_calls, measures::text as measures, error,
                       tokens_in, tokens_out
                from bot.ai_test_runs where id = @runId
                """, new { runId })).Single();
            return run.Status is "done" or "failed";
        }, TimeSpan.FromSeconds(20), "the test run finishes");
        return run!;
    }

    [Fact]
    public async Task The_draft_answers_the_scripted_thread_its_tool_call_is_shown_not_run_and_nothing_reaches_a_customer()
    {
        var scope = "scope-" + Guid.NewGuid().ToString("N")[..12];
        var (db, agentId, person) = await AgentAsync("ai_test_run", scope, builtin: ["set_attribute", "search_manual"]);
        await openAi.AddRuleAsync(new { scope, count = 1, match = new { last_user_contains = new[] { "pedido" } },
            respond = new { tool_calls = new[] { new { name = "set_attribute", arguments = new { key = "order_number", value = "4521" } } } } });
        await openAi.AddRuleAsync(new { scope, match = new { after_tool = "set_attribute" },
            respond = new { json = new { action = "reply", messages = new[] { "Tu pedido 4521 sale hoy." }, confidence = 0.9, measures = new { intent = "order_status" } } } });
        await using var meta = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, meta, ("Ai:PollIntervalMs", "50"));

        var runId = await RequestAsync(db, agentId, person, false, ("customer", "hola"), ("agent", "¡Hola! ¿En qué te ayudo?"), ("customer", "¿y mi pedido 4521?"));
        var run = await FinishedAsync(db, runId);

        Assert.Equal(("done", "reply", (string?)null), (run.Status, run.Action, run.Error));
        Assert.Equal(["Tu pedido 4521 sale hoy."], JsonSerializer.Deserialize<string[]>(run.Replies)!);
        Assert.Equal("order_status", JsonDocument.Parse(run.Measures).RootElement.GetProperty("intent").GetString());
        Assert.True(run.TokensIn > 0 && run.TokensOut > 0);
        // The model did call the tool (the positive control), and the test chat did not run it: no attribute was written.
        var call = JsonDocument.Parse(run.ToolCalls).RootElement.EnumerateArray().Single();
        Assert.Equal(("set_attribute", "not_run"), (call.GetProperty("name").GetString(), call.GetProperty("status").GetString()));
        Assert.Contains("4521", call.GetProperty("arguments").GetString());
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from chat.contacts where attributes ? 'order_number'"));
        // The thread the model saw was the scripted one, in order, with the customer's words as user messages.
        var body = (await openAi.RequestsAsync(scope, "chat")).Last().GetProperty("body");
        var roles = body.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()).ToList();
        Assert.Equal("user", roles.Last());
        Assert.Contains("assistant", roles);
        // Nothing reached a customer or a conversation; the model calls are audited as a test, outside any conversation.
        Assert.Empty(await meta.SentAsync());
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from chat.messages"));
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from bot.ai_conversations"));
        var audit = await db.QueryAsync<(string Purpose, long? ConversationId)>("select purpose, conversation_id from bot.ai_turns");
        Assert.Equal(2, audit.Count());
        Assert.All(audit, t => Assert.Equal(("test", (long?)null), t));
    }

    [Fact]
    public async Task The_draft_answers_unless_the_published_version_is_asked_for_and_a_keyword_hands_off_without_a_model_call()
    {
        var draft = "scope-" + Guid.NewGuid().ToString("N")[..12];
        var published = "scope-" + Guid.NewGuid().ToString("N")[..12];
        var (db, agentId, person) = await AgentAsync("ai_test_versions", draft, published, handoff: new
        {
            queueId = (long?)null,
            rules = new object[] { new { kind = "keywords", message = "Un asesor te atiende ahora.", keywords = new[] { "abogado" } } },
        });
        await openAi.AddRuleAsync(new { scope = draft, match = new { last_user_contains = new[] { "hola" } },
            respond = new { json = new { action = "reply", messages = new[] { "Soy el borrador." }, confidence = 0.9 } } });
        await openAi.AddRuleAsync(new { scope = published, match = new { last_user_contains = new[] { "hola" } },
            respond = new { json = new { action = "reply", messages = new[] { "Soy la versión publicada." }, confidence = 0.9 } } });
        await using var meta = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, meta, ("Ai:PollIntervalMs", "50"));

        var fromDraft = await RequestAsync(db, agentId, person, false, ("customer", "hola"));
        var fromPublished = await RequestAsync(db, agentId, person, true, ("customer", "hola"));
        var keyword = await RequestAsync(db, agentId, person, false, ("customer", "quiero hablar con mi abogado"));

        Assert.Equal("[\"Soy el borrador.\"]", (await FinishedAsync(db, fromDraft)).Replies);
        Assert.Equal("[\"Soy la versión publicada.\"]", (await FinishedAsync(db, fromPublished)).Replies);
        var handedOff = await FinishedAsync(db, keyword);
        Assert.Equal(("done", "handoff", "keywords", "[\"Un asesor te atiende ahora.\"]"),
            (handedOff.Status, handedOff.Action, handedOff.HandoffReason, handedOff.Replies));
        Assert.Equal(0, handedOff.TokensIn);
        Assert.Single(await openAi.RequestsAsync(draft, "chat")); // the draft's one call was the greeting's
    }

    [Fact]
    public async Task A_provider_that_refuses_the_key_fails_the_run_with_the_reason_instead_of_leaving_the_editor_waiting()
    {
        var scope = "scope-" + Guid.NewGuid().ToString("N")[..12];
        var (db, agentId, person) = await AgentAsync("ai_test_fail", scope);
        await openAi.AddRuleAsync(new { scope, match = new { last_user_contains = new[] { "hola" } },
            respond = new { json = new { action = "reply", messages = new[] { "¡Hola!" }, confidence = 0.9 } } });
        await using var meta = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, meta, ("Ai:PollIntervalMs", "50"));

        // The positive control: with the project's key the run answers.
        Assert.Equal("done", (await FinishedAsync(db, await RequestAsync(db, agentId, person, false, ("customer", "hola")))).Status);

        await db.ExecuteAsync("update bot.ai_providers set api_key_enc = @key where project_id = @project", new
        {
            project = db.ProjectId,
            key = new SecretProtector(WorkerDatabase.MasterKey).Protect("sk-not-a-sandbox-key", SecretPlace.AiApiKey(db.ProjectId)),
        });
        var failed = await FinishedAsync(db, await RequestAsync(db, agentId, person, false, ("customer", "hola")));
        Assert.Equal("failed", failed.Status);
        Assert.Contains("401", failed.Error);
        Assert.Equal("[]", failed.Replies);
    }
}
