using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Conversations;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Collaboration;
using MultichannelMessages.CoreApi.Errors;
using MultichannelMessages.CoreApi.Window;
using Npgsql;

namespace MultichannelMessages.CoreApi.Conversations;

public static class SendApi
{
    /// <summary>Writes the message (queued) and its outbox row in one transaction; the Worker sends it. The client's
    /// idempotency key (body clientMessageId or the Idempotency-Key header) makes a retried request create one message.</summary>
    public static async Task<Results<Created<SendResponse>, Ok<SendResponse>, ProblemHttpResult>> Send(
        long conversationId, SendRequest request, ConversationScope visible, HttpContext http, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);

        var text = request.Text;
        if (string.IsNullOrWhiteSpace(text)) return Refusals.Invalid("text", "empty_message", "Write something before sending.");
        var max = MessageLimits.MaxTextLength(visible.Channel);
        if (text.Length > max)
            return Refusals.Invalid("text", "message_too_long", $"{visible.Channel} allows at most {max} characters; this has {text.Length}.");
        var clientId = request.ClientMessageId ?? http.Request.Headers["Idempotency-Key"].FirstOrDefault();
        if (clientId is { Length: > 100 }) return Refusals.Invalid("clientMessageId", "invalid_client_message_id", "At most 100 characters.");

        long messageId;
        bool created;
        var now = time.GetUtcNow();
        try
        {
            (messageId, created) = await connection.QuerySingleAsync<(long MessageId, bool Created)>(new CommandDefinition(
                "select message_id, created from chat.send_text(@conversationId, @userId, @clientId, @text, @now)",
                new { conversationId, userId = visible.UserId, clientId, text, now }, cancellationToken: ct));
        }
        catch (PostgresException ex) when (SendLock.IsLockHeld(ex))
        {
            return await SendLock.RefusalAsync(connection, conversationId, ct);
        }
        catch (PostgresException ex) when (WindowRule.IsWindowClosed(ex))
        {
            return await WindowRule.RefusalAsync(connection, conversationId, now, ct);
        }
        var response = new SendResponse(messageId, created, "queued");
        return created ? TypedResults.Created($"/conversations/{conversationId}/messages/{messageId}", response) : TypedResults.Ok(response);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> MarkRead(
        long conversationId, ConversationScope visible, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("select chat.mark_read(@conversationId, @userId)",
            new { conversationId, userId = visible.UserId }, cancellationToken: ct));
        return TypedResults.NoContent();
    }
}
