using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Bots;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Bots;

/// <summary>
/// A conversation's chatbot session as the people working it see and steer it: its status (none before any flow ran
/// here), where it is, who stopped it and why; a supervisor hands it back to the bot (it resumes where it stopped,
/// re-asking its question) or stops it. The route's conversation is checked by the access middleware like every
/// conversation route: outside the caller's queues it is 404. Changes are pushed as <c>bot_changed</c>.
/// </summary>
public static class ConversationBotApi
{
    public static IEndpointRouteBuilder MapConversationBot(this IEndpointRouteBuilder app)
    {
        var bot = app.MapGroup("/projects/{projectId:long}/conversations/{conversationId:long}/bot").WithTags("Chatbots");
        bot.MapGet("", Get).RequirePermission(Permissions.ReadBots);
        bot.MapPut("", Put).RequirePermission(Permissions.ControlBots);
        return app;
    }

    private sealed record Row(long SessionId, string Status, long FlowId, string FlowName, int Version, string? NodeId, string? Reason,
        DateTime StartedAt, DateTime ExpiresAt, DateTime ChangedAt, string? ChangedByName, string Variables);

    private static async Task<ConversationBot> ReadAsync(NpgsqlConnection connection, long conversationId, CancellationToken ct)
    {
        var r = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition("""
            select session_id, status, flow_id, flow_name, version, node_id, reason, started_at, expires_at, changed_at, changed_by_name,
                   variables::text as variables
            from bot.conversation_bot(@conversationId)
            """, new { conversationId }, cancellationToken: ct));
        return r is null
            ? new ConversationBot(conversationId, "none", null, null, null, null, null, null, null, null, null, null, "{}")
            : new ConversationBot(conversationId, r.Status, r.SessionId, r.FlowId, r.FlowName, r.Version, r.NodeId, r.Reason, r.StartedAt,
                r.Status == "active" ? r.ExpiresAt : null, r.ChangedAt, r.ChangedByName, r.Variables);
    }

    public static async Task<Ok<ConversationBot>> Get(ConversationScope visible, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await ReadAsync(connection, visible.ConversationId, ct));
    }

    public static async Task<Results<Ok<ConversationBot>, ProblemHttpResult>> Put(ConversationBotRequest request, ConversationScope visible,
        NpgsqlDataSource db, CancellationToken ct)
    {
        if (request.State is not ("off" or "active"))
            return Refusals.Invalid("state", "invalid_state", "Stop the bot (off), or hand the conversation back to it (active).");
        await using var connection = await db.OpenConnectionAsync(ct);
        var refusal = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "select refusal from bot.set_conversation_bot(@ConversationId, @State, @UserId)",
            new { visible.ConversationId, request.State, visible.UserId }, cancellationToken: ct));
        return refusal switch
        {
            null => TypedResults.Ok(await ReadAsync(connection, visible.ConversationId, ct)),
            "no_session" => Refusals.Problem(StatusCodes.Status409Conflict, refusal,
                request.State == "off" ? "No bot is running in this conversation." : "No bot has run in this conversation: there is nothing to hand back."),
            "session_active" => Refusals.Problem(StatusCodes.Status409Conflict, refusal, "The bot is already running in this conversation."),
            "ai_active" => Refusals.Problem(StatusCodes.Status409Conflict, refusal, "An AI agent has this conversation: turn it off first."),
            _ => Refusals.Problem(StatusCodes.Status409Conflict, refusal, refusal),
        };
    }
}
