using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Conversations;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Conversations;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Console;

public static class RetryApi
{
    /// <summary>Sends a failed text again as a new message (the failed one stays as the record of what happened).
    /// Idempotent per failed message: a second retry answers 200 with the message the first created.</summary>
    public static async Task<Results<Created<SendResponse>, Ok<SendResponse>, ProblemHttpResult>> Retry(
        long conversationId, long messageId, ConversationScope visible, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var owner = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "select chat.message_conversation(@messageId)", new { messageId }, cancellationToken: ct));
        if (owner != conversationId) return Refusals.NotFound();

        (long? MessageId, bool? Created, string? Refusal) result;
        try
        {
            result = await connection.QuerySingleAsync<(long? MessageId, bool? Created, string? Refusal)>(new CommandDefinition(
                "select message_id, created, refusal from chat.retry_send(@messageId, @UserId)", new { messageId, visible.UserId }, cancellationToken: ct));
        }
        catch (PostgresException ex) when (Collaboration.SendLock.IsLockHeld(ex))
        {
            return await Collaboration.SendLock.RefusalAsync(connection, conversationId, ct);
        }
        catch (PostgresException ex) when (Window.WindowRule.IsWindowClosed(ex))
        {
            // A retry is a new free-form message: the window decides as for any send (checked at the database's clock).
            return await Window.WindowRule.RefusalAsync(connection, conversationId, DateTimeOffset.UtcNow, ct);
        }
        if (result.Refusal is { } code)
            return Refusals.Problem(StatusCodes.Status409Conflict, code, code == "not_failed"
                ? "Only a failed message can be sent again." : "Only text messages can be sent again.");
        var response = new SendResponse(result.MessageId!.Value, result.Created!.Value, "queued");
        return result.Created.Value
            ? TypedResults.Created($"/conversations/{conversationId}/messages/{response.MessageId}", response)
            : TypedResults.Ok(response);
    }
}
