using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.Worker.Tests.Support;
using Npgsql;

namespace MultichannelMessages.Worker.Tests.Ai;

/// <summary>The models a test provider names (the sandbox's own) and their prices.</summary>
public sealed record TestProvider(string Key, string? TranscriptionModel = "gpt-4o-mini-transcribe", string? VisionModel = "gpt-4o-mini",
    string? EmbeddingModel = "text-embedding-3-small", int? EmbeddingDimensions = 256, decimal? DailyBudgetUsd = null, bool Enabled = true);

/// <summary>A stored customer file: its message, conversation and chat.media row.</summary>
public sealed record StoredMedia(long MessageId, long ConversationId, long MediaId);

/// <summary>Setting up AI work the way production leaves it: the project's provider (its key encrypted as the Core API
/// stores it) and customers' files stored the way the download loop stores them.</summary>
public static class AiTestKit
{
    public const decimal PricePerMinute = 0.003m;
    public const decimal PricePerMillionIn = 0.15m;

    /// <summary>The Worker's settings for these tests: short polls and backoff, the agents' loop off (no agent here).</summary>
    public static (string, string)[] Settings(params (string, string)[] more) =>
    [
        ("Ai:Enabled", "false"),
        ("AiMedia:PollIntervalMs", "50"),
        ("AiMedia:RetryBaseDelayMs", "50"),
        ("AiMedia:RetryMaxDelayMs", "200"),
        ("AiManual:PollIntervalMs", "50"),
        ("AiManual:RetryBaseDelayMs", "50"),
        ("AiManual:RetryMaxDelayMs", "200"),
        .. more,
    ];

    public static async Task ConfigureProviderAsync(WorkerDatabase db, OpenAiSandboxHost openAi, TestProvider p)
    {
        var key = new SecretProtector(WorkerDatabase.MasterKey).Protect(p.Key, SecretPlace.AiApiKey(db.ProjectId));
        var prices = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["gpt-4o-mini-transcribe"] = new { minute = PricePerMinute },
            ["whisper-1"] = new { minute = PricePerMinute },
            ["gpt-4o-mini"] = new { input = PricePerMillionIn, output = 0.6m },
            ["text-embedding-3-small"] = new { input = 0.02m },
        });
        await db.ExecuteAsync("""
            insert into bot.ai_providers (project_id, base_url, api_key_enc, chat_model, vision_model, transcription_model, embedding_model,
                                          embedding_dimensions, prices, daily_budget_usd, enabled)
            values (@ProjectId, @baseUrl, @key, 'gpt-4o-mini', @VisionModel, @TranscriptionModel, @EmbeddingModel, @EmbeddingDimensions,
                    @prices::jsonb, @DailyBudgetUsd, @Enabled)
            on conflict (project_id) do update set base_url = excluded.base_url, api_key_enc = excluded.api_key_enc,
                vision_model = excluded.vision_model, transcription_model = excluded.transcription_model,
                embedding_model = excluded.embedding_model, embedding_dimensions = excluded.embedding_dimensions, prices = excluded.prices,
                daily_budget_usd = excluded.daily_budget_usd, enabled = excluded.enabled
            """, new { db.ProjectId, baseUrl = openAi.BaseUrl, key, p.VisionModel, p.TranscriptionModel, p.EmbeddingModel, p.EmbeddingDimensions,
                       prices, p.DailyBudgetUsd, p.Enabled });
    }

    /// <summary>A customer's message with a file, stored as the download loop stores one: the bytes in the Worker's media
    /// store, then chat.complete_media_download (which queues the AI job).</summary>
    public static async Task<StoredMedia> CustomerFileAsync(WorkerDatabase db, WorkerHost worker, string customer, string kind, string mimeType,
        byte[] bytes, string? fileName = null, string? language = null, string direction = "in")
    {
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        var row = await connection.QuerySingleAsync<(long MessageId, long ConversationId, long MediaId, long ProjectId)>("""
            with a as (select id, project_id, channel from meta.accounts where external_id = @account),
            c as (insert into chat.contacts (project_id, channel, external_id, language) select project_id, channel, @customer, @language from a
                  on conflict (project_id, channel, external_id) do update set language = excluded.language returning id),
            cv as (insert into chat.conversations (project_id, account_id, contact_id, channel, last_inbound_at)
                   select a.project_id, a.id, c.id, a.channel, now() from a, c
                   on conflict (account_id, contact_id) do update set last_inbound_at = now() returning id, project_id, account_id),
            m as (insert into chat.messages (project_id, conversation_id, account_id, direction, provider_message_id, type, status, status_rank, occurred_at)
                  select project_id, id, account_id, @direction, 'wamid.' || gen_random_uuid(), @kind, 'received', 0, now() from cv
                  returning id, project_id, conversation_id),
            -- Leased to the "download" below for an hour, so the Worker's download loop leaves it alone.
            md as (insert into chat.media (project_id, message_id, ordinal, kind, mime_type, file_name, locked_by, locked_until)
                   select project_id, id, 0, @kind, @mimeType, @fileName, 'test-download', now() + interval '1 hour' from m returning id, message_id)
            select m.id, m.conversation_id, md.id, m.project_id from md join m on m.id = md.message_id
            """, new { account = WorkerDatabase.WhatsApp, customer, language, direction, kind, mimeType, fileName });
        var key = MediaKeys.Inbound(row.ProjectId, row.MediaId);
        await worker.Services.GetRequiredService<IMediaStore>().PutAsync(key, new MemoryStream(bytes), mimeType, CancellationToken.None);
        Assert.True(await connection.ExecuteScalarAsync<bool>("select chat.complete_media_download(@id, 'test-download', @key, @mimeType, @size, @sha)",
            new { id = row.MediaId, key, mimeType, size = (long)bytes.Length, sha = Convert.ToHexStringLower(SHA256.HashData(bytes)) }));
        return new StoredMedia(row.MessageId, row.ConversationId, row.MediaId);
    }

    public sealed record Job(string Status, int AttemptCount, string? LastError);

    public static async Task<Job?> JobAsync(WorkerDatabase db, long messageId) =>
        (await db.QueryAsync<Job>("select status, attempt_count, last_error from bot.ai_media_jobs where message_id = @messageId",
            new { messageId })).SingleOrDefault();

    /// <summary>Waits until the message's job has left 'pending' and returns it.</summary>
    public static async Task<Job> FinishedJobAsync(WorkerDatabase db, long messageId, int seconds = 30)
    {
        await Eventually.TrueAsync(async () => (await JobAsync(db, messageId))?.Status is "done" or "failed" or "skipped",
            TimeSpan.FromSeconds(seconds), $"the AI job of message {messageId} finishes");
        return (await JobAsync(db, messageId))!;
    }

    public sealed record AiText(string? Text, string? Kind);

    public static async Task<AiText> AiTextAsync(WorkerDatabase db, long messageId) =>
        (await db.QueryAsync<AiText>("select ai_text as Text, ai_text_kind as Kind from chat.messages where id = @messageId", new { messageId })).Single();

    /// <summary>The inbox search as a supervisor who sees every queue (chat.search, the Core API's search).</summary>
    public static Task<List<long>> SearchMessagesAsync(WorkerDatabase db, string text) =>
        db.QueryAsync<long>("""
            select message_id from chat.search(@ProjectId, 0, true, '{}', @text, null, null, null, null, null, null, 50)
            where kind = 'message'
            """, new { db.ProjectId, text });
}
