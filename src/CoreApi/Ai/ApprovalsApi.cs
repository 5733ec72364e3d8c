using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Ai;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;
using static MultichannelMessages.CoreApi.Ai.AiApi;

namespace MultichannelMessages.CoreApi.Ai;

/// <summary>
/// Risky tool calls waiting for a person (the agent asked, bot.ai_request_approval). Each person sees those of the
/// conversations they may see (the conversation list's rule: their queues, unless they read all queues); a decision is
/// taken once, and wakes the conversation so the Worker acts on it.
/// </summary>
public static class ApprovalsApi
{
    private static readonly string[] Statuses = ["pending", "approved", "rejected", "done", "failed"];

    public static RouteGroupBuilder MapApprovals(this RouteGroupBuilder ai)
    {
        ai.MapGet("/approvals", List).RequirePermission(Permissions.ReadAi);
        ai.MapPost("/approvals/{approvalId:long}/decision", Decide).RequirePermission(Permissions.ApproveAiTools);
        return ai;
    }

    private sealed record Row(long Id, long ConversationId, string Tool, string Arguments, string Status, DateTime RequestedAt, string? DecidedByName,
        DateTime? DecidedAt, string? Result, string? Note, long? QueueId, long? AssignedUserId)
    {
        public AiToolApproval Item => new(Id, ConversationId, Tool, Arguments, Status, RequestedAt, DecidedByName, DecidedAt, Result, Note);
    }

    private static async Task<Row[]> RowsAsync(NpgsqlConnection connection, long projectId, string? status, long? conversationId, CancellationToken ct) =>
        (await connection.QueryAsync<Row>(Sql("""
            select id, conversation_id, tool, arguments, status, requested_at, decided_by_name, decided_at, result, note, queue_id, assigned_user_id
            from bot.ai_approvals(@projectId, @status, @conversationId, 200)
            """, new { projectId, status, conversationId }, ct))).ToArray();

    /// <summary>One conversation's approvals (its visibility was checked by the caller's route).</summary>
    internal static async Task<AiToolApproval[]> ReadAsync(NpgsqlConnection connection, long projectId, string? status, long conversationId,
        CancellationToken ct) =>
        (await RowsAsync(connection, projectId, status, conversationId, ct)).Select(r => r.Item).ToArray();

    /// <summary>The latest 200, of any status unless one is asked (status=pending: what waits for a person).</summary>
    public static async Task<Results<Ok<AiToolApproval[]>, ProblemHttpResult>> List(long projectId, string? status, ProjectScope scope,
        NpgsqlDataSource db, CancellationToken ct)
    {
        if (status is not null && !Statuses.Contains(status))
            return Refusals.Invalid("status", "invalid_status", $"A status is one of {string.Join(", ", Statuses)}.");
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok((await RowsAsync(connection, projectId, status, null, ct))
            .Where(r => scope.Project.CanSee(r.QueueId, r.AssignedUserId, scope.UserId)).Select(r => r.Item).ToArray());
    }

    private sealed record Scope(long ProjectId, long ConversationId, long? QueueId, long? AssignedUserId);

    public static async Task<Results<Ok<AiToolApproval>, ProblemHttpResult>> Decide(long projectId, long approvalId, AiToolDecision decision,
        ProjectScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        var note = string.IsNullOrWhiteSpace(decision.Note) ? null : decision.Note.Trim();
        if (note is { Length: > 1000 }) return Refusals.Invalid("note", "invalid_note", "A note has at most 1,000 characters.");
        await using var connection = await db.OpenConnectionAsync(ct);
        // Another project's approval, or one of a conversation the caller may not see, is 404 like a missing one.
        var where = await connection.QuerySingleOrDefaultAsync<Scope>(Sql(
            "select project_id, conversation_id, queue_id, assigned_user_id from bot.ai_approval_scope(@approvalId)", new { approvalId }, ct));
        if (where is null || where.ProjectId != projectId || !scope.Project.CanSee(where.QueueId, where.AssignedUserId, scope.UserId))
            return Refusals.NotFound();
        var refusal = await connection.ExecuteScalarAsync<string?>(Sql(
            "select bot.decide_ai_tool(@projectId, @approvalId, @Approve, @note, @userId)",
            new { projectId, approvalId, decision.Approve, note, userId = scope.UserId }, ct));
        if (refusal is not null) return Refusal(refusal);
        return TypedResults.Ok((await RowsAsync(connection, projectId, null, where.ConversationId, ct)).Single(r => r.Id == approvalId).Item);
    }
}
