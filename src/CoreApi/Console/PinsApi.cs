using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Conversations;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Console;

/// <summary>Personal pin-to-top, and search across the conversations the user may see.</summary>
public static class PinsApi
{
    public static Task<Results<Ok<ConversationsApi.ConversationItem[]>, ProblemHttpResult>> Pinned(
        long projectId, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct) =>
        ReadAsync(projectId, pinnedOnly: true, search: null, http, access, db, ct);

    public static Task<Results<Ok<ConversationsApi.ConversationItem[]>, ProblemHttpResult>> Search(
        long projectId, string? q, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct) =>
        string.IsNullOrWhiteSpace(q) || q.Length > 100
            ? Task.FromResult<Results<Ok<ConversationsApi.ConversationItem[]>, ProblemHttpResult>>(
                Refusals.Invalid("q", "invalid_search", "Search for 1 to 100 characters."))
            : ReadAsync(projectId, pinnedOnly: false, q.Trim(), http, access, db, ct);

    public static Task<Results<NoContent, ProblemHttpResult>> Pin(
        long conversationId, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct) =>
        SetAsync(conversationId, true, http, access, db, ct);

    public static Task<Results<NoContent, ProblemHttpResult>> Unpin(
        long conversationId, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct) =>
        SetAsync(conversationId, false, http, access, db, ct);

    private static async Task<Results<NoContent, ProblemHttpResult>> SetAsync(
        long conversationId, bool pinned, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await ConversationsApi.VisibleAsync(conversationId, http, access, connection, ct) is not { } visible) return Refusals.NotFound();
        await connection.ExecuteAsync(new CommandDefinition("select chat.set_pin(@UserId, @conversationId, @pinned)",
            new { visible.UserId, conversationId, pinned }, cancellationToken: ct));
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ConversationsApi.ConversationItem[]>, ProblemHttpResult>> ReadAsync(
        long projectId, bool pinnedOnly, string? search, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var user = await access.ForAsync(http.User, ct);
        if (user?.In(projectId) is not { } project || !project.Can(Permissions.ReadConversations)) return Refusals.NotFound();
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<ConversationsApi.ConversationItem>(new CommandDefinition("""
            select id, channel, account_id, account_name, contact_id, contact_name, contact_external_id, queue_id, assigned_user_id,
                   status, last_message_at, last_message_preview, last_message_direction, last_message_type, unread_count, last_inbound_at, window_expires_at
            from chat.console_conversations(@projectId, @UserId, @allQueues, @QueueIds, @pinnedOnly, @search, 50)
            """, new { projectId, user.UserId, allQueues = project.Can(Permissions.ReadAllQueues), project.QueueIds, pinnedOnly, search },
            cancellationToken: ct));
        return TypedResults.Ok(rows.ToArray());
    }
}
