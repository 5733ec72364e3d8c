using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Conversations;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Conversations;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Console;

/// <summary>Personal pin-to-top, and search across the conversations the user may see.</summary>
public static class PinsApi
{
    public static Task<Results<Ok<ConversationItem[]>, ProblemHttpResult>> Pinned(
        ProjectScope scope, NpgsqlDataSource db, CancellationToken ct) =>
        ReadAsync(scope, pinnedOnly: true, search: null, db, ct);

    public static Task<Results<Ok<ConversationItem[]>, ProblemHttpResult>> Search(
        ProjectScope scope, string? q, NpgsqlDataSource db, CancellationToken ct) =>
        string.IsNullOrWhiteSpace(q) || q.Length > 100
            ? Task.FromResult<Results<Ok<ConversationItem[]>, ProblemHttpResult>>(
                Refusals.Invalid("q", "invalid_search", "Search for 1 to 100 characters."))
            : ReadAsync(scope, pinnedOnly: false, q.Trim(), db, ct);

    public static Task<Results<NoContent, ProblemHttpResult>> Pin(
        ConversationScope visible, NpgsqlDataSource db, CancellationToken ct) =>
        SetAsync(visible, true, db, ct);

    public static Task<Results<NoContent, ProblemHttpResult>> Unpin(
        ConversationScope visible, NpgsqlDataSource db, CancellationToken ct) =>
        SetAsync(visible, false, db, ct);

    private static async Task<Results<NoContent, ProblemHttpResult>> SetAsync(
        ConversationScope visible, bool pinned, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("select chat.set_pin(@UserId, @ConversationId, @pinned)",
            new { visible.UserId, visible.ConversationId, pinned }, cancellationToken: ct));
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ConversationItem[]>, ProblemHttpResult>> ReadAsync(
        ProjectScope scope, bool pinnedOnly, string? search, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<ConversationItem>(new CommandDefinition("""
            select id, channel, account_id, account_name, contact_id, contact_name, contact_external_id, queue_id, assigned_user_id,
                   status, last_message_at, last_message_preview, last_message_direction, last_message_type, unread_count, last_inbound_at, window_expires_at
            from chat.console_conversations(@ProjectId, @UserId, @allQueues, @QueueIds, @pinnedOnly, @search, 50)
            """, new { scope.ProjectId, scope.UserId, allQueues = scope.Can(Permissions.ReadAllQueues), scope.Project.QueueIds, pinnedOnly, search },
            cancellationToken: ct));
        return TypedResults.Ok(rows.ToArray());
    }
}
