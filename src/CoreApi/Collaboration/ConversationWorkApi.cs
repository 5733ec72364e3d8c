using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Collaboration;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Collaboration;

/// <summary>
/// Working one conversation as a team: its lock, assignee, queue, status, tags, notes and history. Each endpoint
/// declares the permission it needs where it is mapped; the access middleware finds the conversation through the
/// caller's grants first (404 outside them, 403 naming the permission).
/// </summary>
public static class ConversationWorkApi
{
    private const int MaxNoteLength = 4000;

    public static IEndpointRouteBuilder MapConversationWorkApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/conversations/{conversationId:long}").WithTags("Conversation work").RequirePermission(Permissions.ReadConversations);
        group.MapGet("/lock", GetLock);
        group.MapPost("/lock", TakeLock).RequirePermission(Permissions.Reply);
        group.MapDelete("/lock", ReleaseLock);
        group.MapGet("/lock/history", LockHistory);
        group.MapPut("/assignee", Assign).RequirePermission(Permissions.Take);
        group.MapDelete("/assignee", Unassign).RequirePermission(Permissions.Take);
        group.MapPost("/transfer", Transfer).RequirePermission(Permissions.Take);
        group.MapPost("/resolve", (long conversationId, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct) =>
            SetStatus(conversationId, "resolved", scope, db, ct)).RequirePermission(Permissions.Reply);
        group.MapPost("/reopen", (long conversationId, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct) =>
            SetStatus(conversationId, "open", scope, db, ct)).RequirePermission(Permissions.Reply);
        group.MapGet("/history", History);
        group.MapGet("/tags", Tags);
        group.MapPut("/tags/{tagId:long}", (long conversationId, long tagId, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct) =>
            Tag(conversationId, tagId, true, scope, db, ct)).RequirePermission(Permissions.Reply);
        group.MapDelete("/tags/{tagId:long}", (long conversationId, long tagId, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct) =>
            Tag(conversationId, tagId, false, scope, db, ct)).RequirePermission(Permissions.Reply);
        group.MapGet("/notes", Notes);
        group.MapPost("/notes", AddNote).RequirePermission(Permissions.Reply);
        group.MapPatch("/contact/attributes", SetAttributes).RequirePermission(Permissions.Reply);
        return app;
    }

    /// <summary>The conversation as the caller may see it (resolved by the access middleware) and a connection to work on.</summary>
    private sealed record Visible(NpgsqlConnection Connection, long ConversationId, long ProjectId, long? QueueId, long? AssignedUserId,
        ProjectAccess Project, long UserId) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }

    private static async Task<Visible> OpenAsync(ConversationScope scope, NpgsqlDataSource db, CancellationToken ct) =>
        new(await db.OpenConnectionAsync(ct), scope.ConversationId, scope.ProjectId, scope.QueueId, scope.AssignedUserId, scope.Project, scope.UserId);

    private static CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    // ── Lock ──────────────────────────────────────────────────────────────────────────────────────────────────

    public static async Task<Results<Ok<LockView?>, ProblemHttpResult>> GetLock(
        long conversationId, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var v = await OpenAsync(scope, db, ct);
        var row = await v.Connection.QuerySingleOrDefaultAsync<(long OwnerUserId, string OwnerName, DateTime TakenAt, DateTime ExpiresAt)?>(Sql(
            "select owner_user_id, owner_name, taken_at, expires_at from chat.current_lock(@conversationId)", new { conversationId }, ct));
        LockView? view = row is { } l ? new LockView(l.OwnerUserId, l.OwnerName, l.TakenAt, l.ExpiresAt, l.OwnerUserId == v.UserId) : null;
        return TypedResults.Ok<LockView?>(view);
    }

    /// <summary>Takes the lock (or renews it for its owner). 409 lock_held when someone else has it.</summary>
    public static async Task<Results<Ok<LockView>, ProblemHttpResult>> TakeLock(
        long conversationId, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var v = await OpenAsync(scope, db, ct);
        var row = await v.Connection.QuerySingleAsync<(long OwnerUserId, string OwnerName, DateTime TakenAt, DateTime ExpiresAt, bool Taken)>(Sql(
            "select owner_user_id, owner_name, taken_at, expires_at, taken from chat.take_lock(@conversationId, @userId)",
            new { conversationId, userId = v.UserId }, ct));
        if (!row.Taken) return Refusals.LockHeld(row.OwnerName);
        return TypedResults.Ok(new LockView(row.OwnerUserId, row.OwnerName, row.TakenAt, row.ExpiresAt, true));
    }

    /// <summary>The owner releases; an admin or dev revokes someone else's lock; anyone else is refused
    /// (lock_not_owner). No lock: nothing to do.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> ReleaseLock(
        long conversationId, ConversationScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var v = await OpenAsync(scope, db, ct);
        // A revocation is recorded in the command log (chat.drop_lock): the transaction carries who, which request, from where.
        await using var tx = await v.Connection.BeginCommandAsync(http, ct);
        var owner = await v.Connection.QuerySingleOrDefaultAsync<long?>(Sql(
            "select user_id from chat.conversation_locks where conversation_id = @conversationId for update", new { conversationId }, ct));
        if (owner is null) return TypedResults.NoContent();
        string action;
        if (owner == v.UserId) action = "released";
        else if (v.Project.Can(Permissions.RevokeLocks)) action = "revoked";
        else return Refusals.Problem(StatusCodes.Status403Forbidden, "lock_not_owner",
            "Only the agent holding the lock, an admin or a dev can release it.");
        await v.Connection.ExecuteAsync(Sql("select chat.drop_lock(@conversationId, @userId, @action)",
            new { conversationId, userId = v.UserId, action }, ct));
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<LockEvent[]>, ProblemHttpResult>> LockHistory(
        long conversationId, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var v = await OpenAsync(scope, db, ct);
        var rows = await v.Connection.QueryAsync<LockEvent>(Sql("""
            select id, action, owner_user_id, owner_name, actor_user_id, actor_name, created_at from chat.lock_history(@conversationId, 100)
            """, new { conversationId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    // ── Assignment, transfer, status ──────────────────────────────────────────────────────────────────────────

    /// <summary>No user (or oneself): take the conversation, which needs conversations.take and that nobody else
    /// has it. Anyone else: conversations.assign, and the target must be a member who may take conversations.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Assign(
        long conversationId, AssignRequest request, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var v = await OpenAsync(scope, db, ct);
        var target = request.UserId ?? v.UserId;
        var supervising = v.Project.Can(Permissions.Assign);
        if (target != v.UserId && !supervising) return Refusals.Forbidden(Permissions.Assign);
        if (v.AssignedUserId is { } current && current != target && !supervising)
            return Refusals.Problem(StatusCodes.Status409Conflict, "already_assigned", "Another agent is working this conversation.");
        if (target != v.UserId && !await CanTakeAsync(v.Connection, v.ProjectId, target, ct))
            return Refusals.Invalid("userId", "unknown_agent", "That person is not an agent of this project.");
        await v.Connection.ExecuteAsync(Sql("select chat.assign(@conversationId, @target, @userId)",
            new { conversationId, target, userId = v.UserId }, ct));
        return TypedResults.NoContent();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Unassign(
        long conversationId, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var v = await OpenAsync(scope, db, ct);
        if (v.AssignedUserId != v.UserId && !v.Project.Can(Permissions.Assign)) return Refusals.Forbidden(Permissions.Assign);
        await v.Connection.ExecuteAsync(Sql("select chat.assign(@conversationId, null, @userId)", new { conversationId, userId = v.UserId }, ct));
        return TypedResults.NoContent();
    }

    /// <summary>To another queue, to an agent or left for auto-assignment. An agent transfers what they work (assigned
    /// to them); supervisors anything.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Transfer(
        long conversationId, TransferRequest request, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var v = await OpenAsync(scope, db, ct);
        var supervising = v.Project.Can(Permissions.Assign);
        if (!supervising && v.AssignedUserId != v.UserId) return Refusals.Forbidden(Permissions.Assign);
        if (request.QueueId is not { } queueId) return Refusals.Invalid("queueId", "queue_required", "Choose the queue to transfer to.");
        if (!await v.Connection.ExecuteScalarAsync<bool>(Sql("select exists (select 1 from core.queues where id = @queueId and project_id = @projectId)",
                new { queueId, projectId = v.ProjectId }, ct)))
            return Refusals.Invalid("queueId", "unknown_queue", "That queue does not exist in this project.");
        if (request.UserId is { } target && target != v.UserId)
        {
            if (!supervising) return Refusals.Forbidden(Permissions.Assign);
            if (!await CanTakeAsync(v.Connection, v.ProjectId, target, ct))
                return Refusals.Invalid("userId", "unknown_agent", "That person is not an agent of this project.");
        }
        await v.Connection.ExecuteAsync(Sql("select chat.transfer(@conversationId, @queueId, @target, @userId)",
            new { conversationId, queueId, target = request.UserId, userId = v.UserId }, ct));
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetStatus(
        long conversationId, string status, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var v = await OpenAsync(scope, db, ct);
        try
        {
            await v.Connection.ExecuteAsync(Sql("select chat.set_status(@conversationId, @status, @userId)", new { conversationId, status, userId = v.UserId }, ct));
        }
        catch (PostgresException ex) when (SendLock.IsLockHeld(ex))
        {
            // Someone else holds the lock and the caller may not revoke it (chat.set_status says why that refuses).
            return await SendLock.RefusalAsync(v.Connection, conversationId, ct);
        }
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<WorkEvent[]>, ProblemHttpResult>> History(
        long conversationId, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var v = await OpenAsync(scope, db, ct);
        var rows = await v.Connection.QueryAsync<WorkEvent>(Sql("""
            select id, action, actor_user_id, actor_name, queue_id, queue_name, user_id, user_name, created_at
            from chat.conversation_history(@conversationId, 200)
            """, new { conversationId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    internal static Task<bool> CanTakeAsync(NpgsqlConnection connection, long projectId, long userId, CancellationToken ct) =>
        connection.ExecuteScalarAsync<bool>(Sql("""
            select exists (select 1 from core.project_members pm
                           join core.users u on u.id = pm.user_id and u.is_active
                           join core.role_permissions rp on rp.role = pm.role and rp.permission = 'conversations.take'
                           where pm.project_id = @projectId and pm.user_id = @userId)
            """, new { projectId, userId }, ct));

    // ── Tags, notes, attributes ───────────────────────────────────────────────────────────────────────────────

    public static async Task<Results<Ok<ConversationTag[]>, ProblemHttpResult>> Tags(
        long conversationId, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var v = await OpenAsync(scope, db, ct);
        var rows = await v.Connection.QueryAsync<ConversationTag>(Sql(
            "select id, name, color, added_by, added_at from chat.conversation_tags(@conversationId)", new { conversationId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Tag(
        long conversationId, long tagId, bool on, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var v = await OpenAsync(scope, db, ct);
        if (!await v.Connection.ExecuteScalarAsync<bool>(Sql("select exists (select 1 from chat.tags where id = @tagId and project_id = @projectId)",
                new { tagId, projectId = v.ProjectId }, ct)))
            return Refusals.NotFound();
        await v.Connection.ExecuteAsync(Sql("select chat.tag_conversation(@conversationId, @tagId, @userId, @on)",
            new { conversationId, tagId, userId = v.UserId, on }, ct));
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<NoteItem[]>, ProblemHttpResult>> Notes(
        long conversationId, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var v = await OpenAsync(scope, db, ct);
        var rows = await v.Connection.QueryAsync<NoteItem>(Sql(
            "select id, author_user_id, author_name, body, created_at from chat.list_notes(@conversationId)", new { conversationId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    /// <summary>A note for the team: stored apart from the customer messages, so it can never be sent.</summary>
    public static async Task<Results<Created<NoteItem>, ProblemHttpResult>> AddNote(
        long conversationId, NoteRequest request, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        var text = request.Text?.Trim();
        if (string.IsNullOrEmpty(text)) return Refusals.Invalid("text", "empty_note", "Write the note first.");
        if (text.Length > MaxNoteLength) return Refusals.Invalid("text", "note_too_long", $"A note holds at most {MaxNoteLength} characters; this has {text.Length}.");
        await using var v = await OpenAsync(scope, db, ct);
        var id = await v.Connection.ExecuteScalarAsync<long>(Sql("select chat.add_note(@conversationId, @userId, @text)",
            new { conversationId, userId = v.UserId, text }, ct));
        var note = await v.Connection.QuerySingleAsync<NoteItem>(Sql(
            "select id, author_user_id, author_name, body, created_at from chat.list_notes(@conversationId) where id = @id", new { conversationId, id }, ct));
        return TypedResults.Created($"/conversations/{conversationId}/notes/{id}", note);
    }

    /// <summary>Merges custom attributes into the conversation's contact; a null value removes the key.</summary>
    public static async Task<Results<Ok<Dictionary<string, string>>, ProblemHttpResult>> SetAttributes(
        long conversationId, AttributesRequest request, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        if (request.Attributes is not { Count: > 0 } attributes) return Refusals.Invalid("attributes", "attributes_required", "Give at least one attribute.");
        foreach (var (key, value) in attributes)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > 100)
                return Refusals.Invalid("attributes", "invalid_attribute_key", "Attribute names have 1 to 100 characters.");
            if (value is { Length: > 500 })
                return Refusals.Invalid($"attributes.{key}", "attribute_too_long", "An attribute value holds at most 500 characters.");
        }
        await using var v = await OpenAsync(scope, db, ct);
        var set = System.Text.Json.JsonSerializer.Serialize(attributes.Where(a => a.Value is not null).ToDictionary());
        var remove = attributes.Where(a => a.Value is null).Select(a => a.Key).ToArray();
        // The function also tells every console showing one of the contact's conversations (contact_updated).
        var json = await v.Connection.ExecuteScalarAsync<string?>(Sql(
            "select chat.set_contact_attributes(@conversationId, @set::jsonb, @remove::text[])::text", new { conversationId, set, remove }, ct));
        if (json is null) return Refusals.Invalid("attributes", "too_many_attributes", "A contact holds at most 50 attributes.");
        return TypedResults.Ok(System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(json)!);
    }
}
