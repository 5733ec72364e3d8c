using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Team;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Collaboration;

/// <summary>Who is around: one's own presence, the team's, and the project's members.</summary>
public static class PresenceApi
{
    private static readonly string[] Statuses = ["online", "away", "offline"];

    public static IEndpointRouteBuilder MapPresenceApi(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/me/presence").WithTags("Team").RequireSignedIn();
        me.MapGet("", GetPresence);
        me.MapPut("", SetPresence);
        me.MapPost("/seen", Seen);
        var project = app.MapGroup("/projects/{projectId:long}").WithTags("Team");
        project.MapGet("/presence", Presence).RequirePermission(Permissions.ReadPresence);
        project.MapGet("/members", ProjectMembers).RequirePermission(Permissions.InternalChat);
        return app;
    }

    private static CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    /// <summary>One's own presence, as the team sees it (an online one unseen for two minutes reads offline).</summary>
    public static async Task<Ok<MyPresence>> GetPresence(Caller caller, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var status = await connection.ExecuteScalarAsync<string>(Sql("select core.my_presence(@UserId)", new { caller.UserId }, ct));
        return TypedResults.Ok(new MyPresence(status!));
    }

    /// <summary>Who is in the project (to write to in internal chat): names and roles only, for any member. Presence
    /// and workload stay with <c>presence.read</c>.</summary>
    public static async Task<Ok<ProjectMember[]>> ProjectMembers(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<ProjectMember>(Sql(
            "select user_id, display_name, role from core.list_project_members(@projectId)", new { projectId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> SetPresence(PresenceRequest request, Caller caller, NpgsqlDataSource db, CancellationToken ct)
    {
        if (request.Status is not { } status || !Statuses.Contains(status))
            return Refusals.Invalid("status", "invalid_presence", "Presence is online, away or offline.");
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(Sql("select core.set_presence(@UserId, @status)", new { caller.UserId, status }, ct));
        return TypedResults.NoContent();
    }

    /// <summary>The console says it is still open; an online agent unseen for two minutes counts as offline.</summary>
    public static async Task<NoContent> Seen(Caller caller, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(Sql("select core.touch_presence(@UserId)", new { caller.UserId }, ct));
        return TypedResults.NoContent();
    }

    public static async Task<Ok<PresenceItem[]>> Presence(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<PresenceItem>(Sql("""
            select user_id, display_name, role, status, changed_at, last_seen_at, open_conversations from core.team_presence(@projectId)
            """, new { projectId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }
}
