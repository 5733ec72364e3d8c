using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Ai;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;
using static MultichannelMessages.CoreApi.Ai.AiApi;

namespace MultichannelMessages.CoreApi.Ai;

/// <summary>
/// A conversation's AI as the people working it see and steer it: its state (none before any agent took it), the
/// measures so far and the tool calls waiting for approval; turning the agent off, or giving
/// the conversation back to it. The route's conversation is checked by the access middleware like every conversation
/// route: outside the caller's queues it is 404. Changes are pushed to the consoles as <c>ai_changed</c>.
/// </summary>
public static class ConversationAiApi
{
    public static IEndpointRouteBuilder MapConversationAi(this IEndpointRouteBuilder app)
    {
        var ai = app.MapGroup("/projects/{projectId:long}/conversations/{conversationId:long}/ai").WithTags("AI");
        ai.MapGet("", Get).RequirePermission(Permissions.ReadAi);
        ai.MapPut("", Put).RequirePermission(Permissions.ControlAi);
        return app;
    }

    private sealed record StateRow(string State, string? Reason, long AgentId, string AgentName, int Turns, string Measures, DateTime ChangedAt,
        string? ChangedByName);

    private static async Task<ConversationAi> ReadAsync(NpgsqlConnection connection, ConversationScope visible, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<StateRow>(Sql("""
            select state, reason, agent_id, agent_name, turns, measures, changed_at, changed_by_name from bot.conversation_ai(@ConversationId)
            """, new { visible.ConversationId }, ct));
        var pending = await ApprovalsApi.ReadAsync(connection, visible.ProjectId, "pending", visible.ConversationId, ct);
        return row is null
            ? new ConversationAi(visible.ConversationId, "none", null, null, null, 0, "{}", null, null, pending)
            : new ConversationAi(visible.ConversationId, row.State, row.Reason, row.AgentId, row.AgentName, row.Turns, row.Measures, row.ChangedAt,
                row.ChangedByName, pending);
    }

    public static async Task<Ok<ConversationAi>> Get(ConversationScope visible, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await ReadAsync(connection, visible, ct));
    }

    /// <summary>off: the agent stops here (pending tool calls are rejected); active: the agent answers the last
    /// unanswered message now. Turning off where no agent would answer anyway changes nothing (state none).</summary>
    public static async Task<Results<Ok<ConversationAi>, ProblemHttpResult>> Put(ConversationAiRequest request, ConversationScope visible,
        NpgsqlDataSource db, CancellationToken ct)
    {
        if (request.State is not ("off" or "active"))
            return Refusals.Invalid("state", "invalid_state", "Turn the agent off, or give the conversation back to it (active).");
        await using var connection = await db.OpenConnectionAsync(ct);
        var refusal = await connection.ExecuteScalarAsync<string?>(Sql(
            "select refusal from bot.set_conversation_ai(@ConversationId, @State, @UserId)",
            new { visible.ConversationId, request.State, visible.UserId }, ct));
        if (refusal is not null) return Refusal(refusal);
        return TypedResults.Ok(await ReadAsync(connection, visible, ct));
    }
}
