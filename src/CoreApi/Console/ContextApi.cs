using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Console;
using MultichannelMessages.CoreApi.Access;
using Npgsql;

namespace MultichannelMessages.CoreApi.Console;

public static class ContextApi
{
    private sealed record ContextRow(long ContactId, string Channel, string? DisplayName, string ExternalId, string? Bsuid, string? Phone,
        DateTime FirstSeenAt, string AccountName, DateTime ConversationCreatedAt, string Status, long? QueueId, long? AssignedUserId,
        string Attributes);

    /// <summary>The operations rail's customer context: who the customer is on this channel and their conversations.</summary>
    public static async Task<Results<Ok<ContactContext>, ProblemHttpResult>> Get(
        long conversationId, ConversationScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleAsync<ContextRow>(new CommandDefinition("""
            select contact_id, channel, display_name, external_id, bsuid, phone, first_seen_at, account_name, conversation_created_at,
                   status, queue_id, assigned_user_id, attributes
            from chat.contact_context(@conversationId)
            """, new { conversationId }, cancellationToken: ct));
        var history = await connection.QueryAsync<ContactHistoryItem>(new CommandDefinition(
            // Only the customer's conversations the caller may see: one in another team's queue stays theirs.
            "select conversation_id, account_name, status, created_at, last_message_at, message_count, tags from chat.contact_history(@ContactId, @UserId)",
            new { row.ContactId, UserId = scope.UserId }, cancellationToken: ct));
        return TypedResults.Ok(new ContactContext(row.ContactId, row.Channel, row.DisplayName, row.ExternalId, row.Bsuid, row.Phone, row.FirstSeenAt,
            row.AccountName, row.ConversationCreatedAt, row.Status, row.QueueId, row.AssignedUserId)
        {
            History = history.ToArray(),
            Attributes = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(row.Attributes) ?? [],
        });
    }
}
