using System.Text.Json;
using MultichannelMessages.TestSupport;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Ai;

/// <summary>
/// Agent assist and classification through a real Worker: a project whose provider points at the OpenAI sandbox with a
/// key of its own (the sandbox's scope: rules and faults of one test touch no other), conversations written as
/// ingestion writes them, requests written as the Core API's functions write them.
/// </summary>
public sealed record AssistSetup(WorkerDatabase Db, SandboxHost Meta, OpenAiSandboxHost Ai, string Key, WorkerHost Worker) : IAsyncDisposable
{
    /// <summary>Short polls and backoff, a 10 s lease (the shortest allowed), three attempts.</summary>
    public static readonly (string, string)[] Settings =
        [("Ai:PollIntervalMs", "50"), ("Ai:RetryBaseMs", "200"), ("Ai:LeaseSeconds", "10"), ("Ai:MaxAttempts", "3")];

    public static async Task<AssistSetup> StartAsync(OpenAiSandboxHost ai, string label)
    {
        var db = await WorkerDatabase.CreateAsync(label);
        var meta = await SandboxHost.StartInMemoryAsync();
        var key = ai.NewKey();
        await ai.Client.DeleteAsync($"/sandbox/rules?scope={key}");
        await ai.Client.DeleteAsync($"/sandbox/faults?scope={key}");
        await AiTestKit.ConfigureProviderAsync(db, ai, new TestProvider(key));
        return new AssistSetup(db, meta, ai, key, WorkerHost.Start(db, meta, Settings));
    }

    /// <summary>Another Worker on the same database (the first one killed, or a second beside it).</summary>
    public WorkerHost StartWorker() => WorkerHost.Start(Db, Meta, Settings);

    public async ValueTask DisposeAsync()
    {
        await Worker.DisposeAsync();
        await Meta.DisposeAsync();
    }

    /// <summary>The model's answer to requests of this test whose system prompt contains <paramref name="system"/>.</summary>
    public Task AnswerAsync(string system, object json, string? customerSays = null, int? count = null) => Ai.AddRuleAsync(new
    {
        scope = Key, count,
        match = customerSays is null ? (object)new { system_contains = system } : new { system_contains = system, last_user_contains = new[] { customerSays } },
        respond = new { json },
    });

    public Task FaultAsync(object fault) => Ai.AddFaultAsync(fault);

    public Task ClearFaultsAsync() => Ai.Client.DeleteAsync($"/sandbox/faults?scope={Key}");

    public Task<JsonElement[]> ChatRequestsAsync() => Ai.RequestsAsync(Key, "chat");

    /// <summary>A customer's conversation (its last message at <paramref name="at"/>, now by default) with their words.</summary>
    public async Task<long> ConversationAsync(string customer, string? name, params string[] says)
    {
        var conversationId = await Db.ScalarAsync<long>("""
            with a as (select id, project_id, channel from meta.accounts where external_id = @account),
                 c as (insert into chat.contacts (project_id, channel, external_id, phone, language, display_name)
                       select a.project_id, a.channel, @customer, @customer, 'es', @name from a
                       on conflict (project_id, channel, external_id) do update set updated_at = now() returning id)
            insert into chat.conversations (project_id, account_id, contact_id, channel, last_inbound_at, last_message_at)
            select a.project_id, a.id, c.id, a.channel, now(), now() from a, c
            on conflict (account_id, contact_id) do update set last_inbound_at = now() returning id
            """, new { account = WorkerDatabase.WhatsApp, customer, name });
        foreach (var text in says)
            await Db.ExecuteAsync("""
                insert into chat.messages (project_id, conversation_id, account_id, direction, provider_message_id, type, body, status, status_rank, occurred_at)
                select project_id, id, account_id, 'in', 'wamid.in.' || gen_random_uuid(), 'text', @text, 'received', chat.status_rank('received'), now()
                from chat.conversations where id = @conversationId
                """, new { conversationId, text });
        return conversationId;
    }

    public Task<long> PersonAsync() => Db.ScalarAsync<long>(
        "insert into core.users (email, display_name, password_hash) values (@email, 'Marta', 'x') returning id",
        new { email = Guid.NewGuid().ToString("N")[..10] + "@demo.local" });

    public sealed record Assist(string Status, string? Result, string? Error, int AttemptCount);

    public async Task<long> RequestAsync(long conversationId, long person, string kind, long? templateId = null)
    {
        var (id, refusal) = (await Db.QueryAsync<(long?, string?)>("select assist_id, refusal from bot.request_assist(@conversationId, @person, @kind, @templateId)",
            new { conversationId, person, kind, templateId })).Single();
        Assert.True(refusal is null, refusal);
        return id!.Value;
    }

    public async Task<Assist> FinishedAssistAsync(long id, int seconds = 30)
    {
        await Eventually.TrueAsync(async () => (await Db.ScalarAsync<string>("select status from bot.ai_assists where id = @id", new { id })) != "pending",
            TimeSpan.FromSeconds(seconds), $"assist {id} finishes");
        return (await Db.QueryAsync<Assist>("select status, result::text as result, error, attempt_count from bot.ai_assists where id = @id", new { id })).Single();
    }

    public Task<long> LabelAsync(string name, string description) => Db.ScalarAsync<long>(
        "insert into classify.labels (project_id, name, description) values (@ProjectId, @name, @description) returning id",
        new { Db.ProjectId, name, description });

    public sealed record Job(string Status, int? Total, int Done, int Failed, long CursorId, string? Error, string? LockedBy);

    public async Task<Job> JobAsync(long id) =>
        (await Db.QueryAsync<Job>("select status, total, done, failed, cursor_id, error, locked_by from classify.jobs where id = @id", new { id })).Single();
}
