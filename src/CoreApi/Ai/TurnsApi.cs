using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Ai;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;
using static MultichannelMessages.CoreApi.Ai.AiApi;

namespace MultichannelMessages.CoreApi.Ai;

/// <summary>
/// The audit of model calls (bot.ai_turns): a conversation's, for whoever may see the conversation and read AI; the
/// project's over a period (spend, errors, repaired envelopes), for those who configure AI. Newest first, keyset-paged by
/// id (before: the last id of the previous page), at most 500 a page.
/// </summary>
public static class TurnsApi
{
    public static IEndpointRouteBuilder MapTurns(this IEndpointRouteBuilder app)
    {
        app.MapGet("/projects/{projectId:long}/conversations/{conversationId:long}/ai/turns", Conversation).WithTags("AI")
            .RequirePermission(Permissions.ReadAi);
        app.MapGet("/projects/{projectId:long}/ai/turns", Project).WithTags("AI").RequirePermission(Permissions.ManageAi);
        return app;
    }

    public static async Task<Ok<AiTurnItem[]>> Conversation(long? before, int? limit, ConversationScope visible, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await ReadAsync(connection, visible.ProjectId, visible.ConversationId, null, null, before, limit, ct));
    }

    /// <summary>from (inclusive) and to (exclusive) bound when the calls started.</summary>
    public static async Task<Results<Ok<AiTurnItem[]>, ProblemHttpResult>> Project(long projectId, DateTimeOffset? from, DateTimeOffset? to,
        long? before, int? limit, NpgsqlDataSource db, CancellationToken ct)
    {
        if (from is not null && to is not null && to <= from) return Refusals.Invalid("to", "invalid_period", "The period ends after it starts.");
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await ReadAsync(connection, projectId, null, from, to, before, limit, ct));
    }

    private static async Task<AiTurnItem[]> ReadAsync(NpgsqlConnection connection, long projectId, long? conversationId, DateTimeOffset? from,
        DateTimeOffset? to, long? before, int? limit, CancellationToken ct) =>
        (await connection.QueryAsync<AiTurnItem>(Sql("""
            select id, purpose, model, started_at, tokens_in, tokens_out, model_ms, overhead_ms, cost_usd, priced, action, confidence, envelope,
                   tool_calls, citations, repaired, error, conversation_id
            from bot.ai_turn_list(@projectId, @conversationId, @from, @to, @before, @limit)
            """, new { projectId, conversationId, from = from?.UtcDateTime, to = to?.UtcDateTime, before, limit = Math.Clamp(limit ?? 100, 1, 500) },
            ct))).ToArray();
}
