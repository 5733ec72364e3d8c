using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Conversations;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Console;

public static class ContextApi
{
    public sealed record HistoryItem(long ConversationId, string AccountName, string Status, DateTime CreatedAt, DateTime? LastMessageAt,
        long MessageCount);
    public sealed record ContactContext(long ContactId, string Channel, string? DisplayName, string ExternalId, string? Bsuid, string? Phone,
        DateTime FirstSeenAt, string AccountName, DateTime ConversationCreatedAt, string Status, long? QueueId, long? AssignedUserId)
    {
        public HistoryItem[] History { get; init; } = [];
        /// <summary>The contact's custom attributes, edited from the rail (PATCH /conversations/{id}/contact/attributes).</summary>
        public Dictionary<string, string> Attributes { get; init; } = [];
    }

    /// <summary>The operations rail's customer context: who the customer is on this channel and their conversations.</summary>
    public static async Task<Results<Ok<ContactContext>, ProblemHttpResult>> Get(
        long conversationId, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await ConversationsApi.VisibleAsync(conversationId, http, access, connection, ct) is null) return Refusals.NotFound();
        var context = await connection.QuerySingleAsync<ContactContext>(new CommandDefinition("""
            select contact_id, channel, display_name, external_id, bsuid, phone, first_seen_at, account_name, conversation_created_at,
                   status, queue_id, assigned_user_id
            from chat.contact_context(@conversationId)
            """, new { conversationId }, cancellationToken: ct));
        var history = await connection.QueryAsync<HistoryItem>(new CommandDefinition(
            "select conversation_id, account_name, status, created_at, last_message_at, message_count from chat.contact_history(@ContactId)",
            new { context.ContactId }, cancellationToken: ct));
        var attributes = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "select attributes::text from chat.contacts where id = @ContactId", new { context.ContactId }, cancellationToken: ct));
        return TypedResults.Ok(context with
        {
            History = history.ToArray(),
            Attributes = attributes is null ? [] : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(attributes) ?? [],
        });
    }
}
