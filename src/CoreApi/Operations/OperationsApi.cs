using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Operations;

/// <summary>Worker liveness and dead letters, for admins and devs (permission ops.read).</summary>
public static class OperationsApi
{
    public sealed record Heartbeat(string WorkerId, string Loop, DateTime BeatAt, string? Details, double SecondsSince);
    public sealed record DeadLetter(long Id, long OutboxId, long? MessageId, long? ConversationId, string Reason, int? ErrorCode,
        int Attempts, DateTime CreatedAt);

    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/ops").WithTags("Operations").RequireAuthorization();
        group.MapGet("/workers", Workers);
        app.MapGet("/projects/{projectId:long}/dead-letters", DeadLetters).WithTags("Operations").RequireAuthorization();
        return app;
    }

    /// <summary>Workers serve every project, so the heartbeat list is open to anyone holding ops.read in any project.</summary>
    public static async Task<Results<Ok<Heartbeat[]>, ProblemHttpResult>> Workers(
        HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var user = await access.ForAsync(http.User, ct);
        if (user is null || !user.Projects.Values.Any(p => p.Can(Permissions.ReadOps))) return Refusals.NotFound();
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Heartbeat>(new CommandDefinition(
            "select worker_id, loop, beat_at, details::text as details, seconds_since from ops.list_worker_heartbeats()", cancellationToken: ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Results<Ok<DeadLetter[]>, ProblemHttpResult>> DeadLetters(
        long projectId, int? limit, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        if ((await access.ForAsync(http.User, ct))?.In(projectId) is not { } project || !project.Can(Permissions.ReadOps))
            return Refusals.NotFound();
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<DeadLetter>(new CommandDefinition(
            "select id, outbox_id, message_id, conversation_id, reason, error_code, attempts, created_at from ops.list_dead_letters(@projectId, @limit)",
            new { projectId, limit = Math.Clamp(limit ?? 100, 1, 500) }, cancellationToken: ct));
        return TypedResults.Ok(rows.ToArray());
    }
}
