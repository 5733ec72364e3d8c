using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Operations;
using MultichannelMessages.CoreApi.Access;
using Npgsql;

namespace MultichannelMessages.CoreApi.Operations;

/// <summary>Worker liveness and dead letters: per project for admins and devs (permission ops.read), platform-wide
/// for operators only.</summary>
public static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ops/workers", Workers).WithTags("Operations").RequireOperator();
        var project = app.MapGroup("/projects/{projectId:long}").WithTags("Operations").RequirePermission(Permissions.ReadOps);
        project.MapGet("/ops/workers", ProjectWorkers);
        project.MapGet("/dead-letters", DeadLetters);
        return app;
    }

    /// <summary>Every loop with its details: the details carry what the loop last saw (Meta's error text of any
    /// tenant's send), so this view is for platform operators.</summary>
    public static async Task<Ok<Heartbeat[]>> Workers(NpgsqlDataSource db, CancellationToken ct) =>
        TypedResults.Ok(await ReadAsync(db, withDetails: true, ct));

    /// <summary>Workers serve every project: a project's admins and devs see whether each loop is alive, without the
    /// details (they can hold another project's data; closes "ops/workers shows other tenants' Meta error text").</summary>
    public static async Task<Ok<Heartbeat[]>> ProjectWorkers(NpgsqlDataSource db, CancellationToken ct) =>
        TypedResults.Ok(await ReadAsync(db, withDetails: false, ct));

    private static async Task<Heartbeat[]> ReadAsync(NpgsqlDataSource db, bool withDetails, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Heartbeat>(new CommandDefinition(
            "select worker_id, loop, beat_at, details::text as details, seconds_since from ops.list_worker_heartbeats()", cancellationToken: ct));
        return withDetails ? rows.ToArray() : rows.Select(r => r with { Details = null }).ToArray();
    }

    public static async Task<Ok<DeadLetter[]>> DeadLetters(long projectId, int? limit, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<DeadLetter>(new CommandDefinition(
            "select id, outbox_id, message_id, conversation_id, reason, error_code, attempts, created_at from ops.list_dead_letters(@projectId, @limit)",
            new { projectId, limit = Math.Clamp(limit ?? 100, 1, 500) }, cancellationToken: ct));
        return TypedResults.Ok(rows.ToArray());
    }
}
