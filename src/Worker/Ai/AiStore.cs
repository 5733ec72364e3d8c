using Dapper;
using Npgsql;
using MultichannelMessages.Worker.Loops;

namespace MultichannelMessages.Worker.Ai;

/// <summary>A conversation claimed by bot.claim_ai_conversations: the lease is ours.</summary>
public sealed record AiClaim(long ConversationId, long ProjectId, long AgentId, long? VersionId, string? Definition, string State,
    string? StateReason, DateTime EpisodeStartedAt, int Turns, string Measures, long? LastAnsweredMessageId, int AttemptCount);

public sealed record AiProviderRow(string BaseUrl, byte[]? ApiKeyEnc, string ChatModel, string? VisionModel, string? TranscriptionModel,
    string? EmbeddingModel, int? EmbeddingDimensions, string Prices, bool Enabled, bool BudgetSpent);

public sealed record AiContext(long ProjectId, long AccountId, string Channel, string Status, long? QueueId, string? QueueName,
    string? ContactName, string? ContactLanguage, string ContactAttributes, string DefaultLanguage, bool WindowOpen, bool LockedByPerson);

/// <param name="Author">customer, agent, person or business.</param>
public sealed record AiThreadMessage(long MessageId, string Direction, string Author, string Type, string? Body, string? AiText,
    string? AiTextKind, DateTime OccurredAt, string? MediaKind, long? MediaId, string? MimeType);

public sealed record ManualPassage(long ChunkId, long DocumentId, string DocumentName, string? Heading, string Content, float Rank);

public sealed record DecidedApproval(long Id, string Tool, string Arguments, string Status);

public sealed record SendOutcome(string Outcome, long? MessageId);

/// <summary>The lists the agent's built-in tools offer the model (null: the agent has no such tool, so it was not read).</summary>
public sealed record AiToolLists(IReadOnlyList<string>? Tags, IReadOnlyList<(string Name, string Description)>? Labels,
    IReadOnlyList<(string Name, string Language, string Category, string[] Keys)>? Templates, IReadOnlyList<(long Id, string Name)>? Queues);

/// <summary>What a run reads before the model (<see cref="AiStore.RunInputsAsync"/>).</summary>
public sealed record AiRunInputs(AiContext? Context, IReadOnlyList<AiThreadMessage> Thread, IReadOnlyList<DecidedApproval> Decided,
    AiProviderRow? Provider, AiToolLists Lists);

public sealed record TurnRecord(long ProjectId, long? ConversationId, long? AgentId, long? VersionId, string Purpose, string Model,
    int TokensIn, int TokensOut, int? ModelMs, int? OverheadMs, decimal CostUsd, bool Priced, string? Action, decimal? Confidence,
    string? Envelope, string ToolCalls, string Citations, long[] MessageIds, bool Repaired, string? Error);

/// <summary>The AI runtime's database calls (440_ai_runtime.sql). Every write that acts on a conversation is guarded
/// by the lease and the AI state in SQL.</summary>
public sealed class AiStore(NpgsqlDataSource db)
{
    private static CommandDefinition Sql(string sql, object? args, CancellationToken ct = default) => new(sql, args, cancellationToken: ct);

    /// <summary>Claims the conversations due now and, in the same round trip and transaction (one batch: one implicit
    /// transaction), reads how long until the next one falls due (<see cref="ClaimBatch{T}.NextDueIn"/>).</summary>
    public async Task<ClaimBatch<AiClaim>> ClaimAsync(string worker, int limit, int leaseSeconds, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var grid = await connection.QueryMultipleAsync(Sql("""
            select conversation_id, project_id, agent_id, version_id, definition::text as definition, state, state_reason,
                   episode_started_at, turns, measures::text as measures, last_answered_message_id, attempt_count
            from bot.claim_ai_conversations(@worker, @limit, @leaseSeconds);
            select bot.ai_next_due_in_ms();
            """, new { worker, limit, leaseSeconds }, ct));
        var claimed = (await grid.ReadAsync<AiClaim>()).ToList();
        var nextDueMs = await grid.ReadSingleAsync<double?>();
        return new(claimed, nextDueMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null);
    }

    private const string ProviderSql = """
        select base_url, api_key_enc, chat_model, vision_model, transcription_model, embedding_model, embedding_dimensions,
               prices::text as prices, enabled, budget_spent
        from bot.ai_provider_for(@projectId);
        """;

    private const string ContextSql = """
        select project_id, account_id, channel, status, queue_id, queue_name, contact_name, contact_language,
               contact_attributes::text as contact_attributes, default_language, window_open, locked_by_person
        from bot.ai_conversation_context(@conversationId);
        """;

    private const string ThreadSql = """
        select message_id, direction, author, type, body, ai_text, ai_text_kind, occurred_at, media_kind, media_id, mime_type
        from bot.ai_thread(@conversationId, @since, @limit);
        """;

    private const string DecidedSql = "select id, tool, arguments::text as arguments, status from bot.ai_decided_approvals(@conversationId);";
    private const string TagNamesSql = "select name from chat.tags where project_id = @projectId order by name;";
    private const string QueuesSql = "select id, name from core.queues where project_id = @projectId order by name;";
    private const string LabelsSql = "select name, description from classify.labels where project_id = @projectId and active order by name limit 100;";
    private const string TemplatesSql = """
        select t.name, t.language, t.category,
               coalesce((select string_agg(v.key, ',' order by v.ord) from meta.template_variables(t.components, t.parameter_format) v), '')
        from meta.templates t
        where t.project_id = @projectId and t.status = 'APPROVED' and t.category in ('UTILITY', 'MARKETING')
        order by t.name, t.language
        limit 50;
        """;

    /// <summary>Everything a run reads before it calls the model, in one round trip: the conversation's context, the
    /// episode's thread, decided tool approvals, the provider, and the lists the agent's built-in tools offer (only those
    /// its definition uses). Each read is the same statement the single reads below run; batching them saves a
    /// pooled-connection round trip per read on every turn (the AI turn's overhead target, DESIGN.md).</summary>
    public async Task<AiRunInputs> RunInputsAsync(AiClaim claim, IReadOnlyCollection<string> builtinTools, int threadLimit)
    {
        var tools = AgentToolbox.ListsNeeded(builtinTools);
        var sql = new System.Text.StringBuilder(ContextSql).Append(ThreadSql).Append(DecidedSql).Append(ProviderSql);
        if (tools.Tags) sql.Append(TagNamesSql);
        if (tools.Labels) sql.Append(LabelsSql);
        if (tools.Templates) sql.Append(TemplatesSql);
        if (tools.Queues) sql.Append(QueuesSql);
        await using var connection = await db.OpenConnectionAsync();
        await using var grid = await connection.QueryMultipleAsync(Sql(sql.ToString(), new
        {
            conversationId = claim.ConversationId, projectId = claim.ProjectId, since = claim.EpisodeStartedAt, limit = threadLimit,
        }));
        var context = await grid.ReadSingleOrDefaultAsync<AiContext>();
        var thread = (await grid.ReadAsync<AiThreadMessage>()).ToList();
        var decided = (await grid.ReadAsync<DecidedApproval>()).ToList();
        var provider = await grid.ReadSingleOrDefaultAsync<AiProviderRow>();
        var lists = new AiToolLists(
            tools.Tags ? (await grid.ReadAsync<string>()).ToList() : null,
            tools.Labels ? (await grid.ReadAsync<(string, string)>()).ToList() : null,
            tools.Templates ? Templates(await grid.ReadAsync<(string, string, string, string)>()) : null,
            tools.Queues ? (await grid.ReadAsync<(long, string)>()).ToList() : null);
        return new AiRunInputs(context, thread, decided, provider, lists);
    }

    public async Task<AiProviderRow?> ProviderAsync(long projectId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<AiProviderRow>(Sql(ProviderSql, new { projectId }));
    }

    public async Task<AiContext?> ContextAsync(long conversationId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<AiContext>(Sql(ContextSql, new { conversationId }));
    }

    public async Task<string> DefaultLanguageAsync(long projectId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>(Sql("select default_language from core.projects where id = @projectId", new { projectId })) ?? "en";
    }

    public async Task<IReadOnlyList<AiThreadMessage>> ThreadAsync(long conversationId, DateTime since, int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<AiThreadMessage>(Sql(ThreadSql, new { conversationId, since, limit }))).ToList();
    }

    public async Task<IReadOnlyList<DecidedApproval>> DecidedApprovalsAsync(long conversationId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<DecidedApproval>(Sql(DecidedSql, new { conversationId }))).ToList();
    }

    public async Task ApprovalDoneAsync(long approvalId, string status, string resultJson)
    {
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync(Sql("select bot.ai_approval_done(@approvalId, @status, @result::jsonb)",
            new { approvalId, status, result = resultJson }));
    }

    public async Task<long?> RequestApprovalAsync(long conversationId, string worker, long? turnId, string tool, string argumentsJson)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long?>(Sql("select bot.ai_request_approval(@conversationId, @worker, @turnId, @tool, @arguments::jsonb)",
            new { conversationId, worker, turnId, tool, arguments = argumentsJson }));
    }

    /// <param name="type">text, or interactive (WhatsApp reply buttons in <paramref name="payload"/>).</param>
    public async Task<SendOutcome> SendAsync(long conversationId, string worker, long agentId, string clientMessageId, string body,
        string type = "text", string? payload = null)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleAsync<SendOutcome>(Sql(
            "select outcome, message_id from bot.ai_send(@conversationId, @worker, @agentId, @clientMessageId, @type, @body, @payload::jsonb)",
            new { conversationId, worker, agentId, clientMessageId, type, body, payload }));
    }

    public async Task<(string Outcome, long? MessageId, string? Detail)> SendTemplateAsync(long conversationId, string worker, long agentId,
        string clientMessageId, string name, string language, string parametersJson)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleAsync<(string, long?, string?)>(Sql("""
            select outcome, message_id, detail
            from bot.ai_send_template(@conversationId, @worker, @agentId, @clientMessageId, @name, @language, @parameters::jsonb)
            """, new { conversationId, worker, agentId, clientMessageId, name, language, parameters = parametersJson }));
    }

    /// <summary>The project's approved templates an agent may send, each with its variables' keys.</summary>
    public async Task<IReadOnlyList<(string Name, string Language, string Category, string[] Keys)>> ApprovedTemplatesAsync(long projectId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return Templates(await connection.QueryAsync<(string, string, string, string)>(Sql(TemplatesSql, new { projectId })));
    }

    private static List<(string Name, string Language, string Category, string[] Keys)> Templates(IEnumerable<(string, string, string, string)> rows) =>
        rows.Select(r => (r.Item1, r.Item2, r.Item3, r.Item4.Length == 0 ? Array.Empty<string>() : r.Item4.Split(','))).ToList();

    /// <summary>The project's active classification labels, with their descriptions.</summary>
    public async Task<IReadOnlyList<(string Name, string Description)>> LabelsAsync(long projectId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<(string, string)>(Sql(LabelsSql, new { projectId }))).ToList();
    }

    public async Task<long?> ClassifyAsync(long conversationId, string label, decimal confidence, long? turnId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long?>(Sql("select bot.ai_classify(@conversationId, @label, @confidence, @turnId)",
            new { conversationId, label, confidence, turnId }));
    }

    public async Task<string> HandOffAsync(long conversationId, string worker, string reason, long? queueId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>(Sql("select bot.ai_hand_off(@conversationId, @worker, @reason, @queueId)",
            new { conversationId, worker, reason, queueId })) ?? "not_active";
    }

    public async Task<string> ResolveAsync(long conversationId, string worker)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>(Sql("select bot.ai_resolve(@conversationId, @worker)",
            new { conversationId, worker })) ?? "not_active";
    }

    public async Task<string> SetWaitingAsync(long conversationId, string worker, string state, string? reason)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>(Sql("select bot.ai_set_waiting(@conversationId, @worker, @state, @reason)",
            new { conversationId, worker, state, reason })) ?? "not_active";
    }

    public async Task<bool> FinishAsync(long conversationId, string worker, long? lastAnsweredMessageId, string? measuresJson, int turns,
        string? error, int? retryMs)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<bool>(Sql(
            "select bot.ai_finish(@conversationId, @worker, @lastAnsweredMessageId, @measures::jsonb, @turns, @error, @retryMs)",
            new { conversationId, worker, lastAnsweredMessageId, measures = measuresJson, turns, error, retryMs }));
    }

    public async Task<(long TurnId, bool BudgetSpent)> RecordTurnAsync(TurnRecord t)
    {
        await using var connection = await db.OpenConnectionAsync();
        var row = await connection.QuerySingleAsync<(long, bool)>(Sql("""
            select turn_id, budget_spent from bot.ai_record_turn(@ProjectId, @ConversationId, @AgentId, @VersionId, @Purpose, @Model,
                @TokensIn, @TokensOut, @ModelMs, @OverheadMs, @CostUsd, @Priced, @Action, @Confidence, @Envelope::jsonb, @ToolCalls::jsonb,
                @Citations::jsonb, @MessageIds, @Repaired, @Error)
            """, t));
        return row;
    }

    public async Task RecordActionAsync(long? turnId, AiClaim claim, string action, decimal? confidence, string? envelope, string toolCalls,
        string citations, long[] messageIds, bool repaired, string? error, int overheadMs)
    {
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync(Sql("""
            select bot.ai_record_action(@turnId, @projectId, @conversationId, @agentId, @versionId, @action, @confidence, @envelope::jsonb,
                @toolCalls::jsonb, @citations::jsonb, @messageIds, @repaired, @error, @overheadMs)
            """, new
        {
            turnId, projectId = claim.ProjectId, conversationId = claim.ConversationId, agentId = claim.AgentId, versionId = claim.VersionId,
            action, confidence, envelope, toolCalls, citations, messageIds, repaired, error, overheadMs,
        }));
    }

    /// <summary>Built-in tools: tag the conversation (an existing tag of the project, by name), set a customer
    /// attribute, move it to a queue of the project (by name). Null when the name is unknown.</summary>
    public async Task<string?> TagAsync(long conversationId, string tag)
    {
        await using var connection = await db.OpenConnectionAsync();
        // One round trip: the project's tag by name, tagged through the function a person's tagging uses; no row, no tag.
        var tagged = await connection.QueryAsync<bool>(Sql("""
            select chat.tag_conversation(c.id, t.id, null, true)
            from chat.conversations c join chat.tags t on t.project_id = c.project_id and lower(t.name) = lower(@tag)
            where c.id = @conversationId
            limit 1
            """, new { conversationId, tag }));
        return tagged.Any() ? tag : null;
    }

    public async Task SetAttributeAsync(long conversationId, string key, string value)
    {
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync(Sql("select chat.set_contact_attributes(@conversationId, jsonb_build_object(@key::text, @value::text), '{}')",
            new { conversationId, key, value }));
    }

    public async Task<IReadOnlyList<(long Id, string Name)>> QueuesAsync(long projectId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<(long, string)>(Sql(QueuesSql, new { projectId }))).ToList();
    }

    public async Task<IReadOnlyList<string>> TagNamesAsync(long projectId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<string>(Sql(TagNamesSql, new { projectId }))).ToList();
    }

    public async Task<bool> TransferAsync(long conversationId, long queueId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<bool>(Sql("select chat.transfer(@conversationId, @queueId, null, null)",
            new { conversationId, queueId }));
    }

    public async Task<byte[]?> ToolSecretAsync(long agentId, string tool)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<byte[]?>(Sql("select secret_enc from bot.ai_tool_secrets where agent_id = @agentId and tool = @tool",
            new { agentId, tool }));
    }
}
