using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Conversations;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Conversations;

public static class ThreadApi
{
    /// <summary>Messages oldest first; <c>next</c> is the cursor for the page before this one ("load older").</summary>
    public static async Task<Results<Ok<Page<MessageItem>>, ProblemHttpResult>> Page(
        long conversationId, string? before, int? limit, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!Cursor.TryParse(before, out var cursor)) return Refusals.Invalid("before", "invalid_cursor", "The cursor is not one this API gave.");
        var size = Math.Clamp(limit ?? 50, 1, 200);
        var rows = (await connection.QueryAsync<MessageItem>(new CommandDefinition("""
            select id, direction, type, body, status, occurred_at, error_code, error_title, reply_to_provider_id, deleted_at,
                   client_message_id, sent_by_user_id, media::text as media, ai_text, ai_text_kind, sent_by_ai_agent_id,
                   sent_by_ai_agent_name, call::text as call
            from chat.thread_page(@conversationId, @beforeAt, @beforeId, @size)
            """, new { conversationId, beforeAt = cursor?.At, beforeId = cursor?.Id, size }, cancellationToken: ct))).ToArray();
        var next = rows.Length == size ? new Cursor(new DateTimeOffset(rows[0].OccurredAt, TimeSpan.Zero), rows[0].Id).ToString() : null;
        return TypedResults.Ok(new Page<MessageItem>(rows, next));
    }

    /// <summary>One message as the thread shows it: the console re-reads a bubble whose media the Worker finished.</summary>
    public static async Task<Results<Ok<MessageItem>, ProblemHttpResult>> Message(
        long conversationId, long messageId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<MessageItem>(new CommandDefinition("""
            select id, direction, type, body, status, occurred_at, error_code, error_title, reply_to_provider_id, deleted_at,
                   client_message_id, sent_by_user_id, media::text as media, ai_text, ai_text_kind, sent_by_ai_agent_id,
                   sent_by_ai_agent_name, call::text as call
            from chat.thread_message(@conversationId, @messageId)
            """, new { conversationId, messageId }, cancellationToken: ct));
        return row is null ? Refusals.NotFound() : TypedResults.Ok(row);
    }
}
