using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MultichannelMessages.Contracts.People;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Auth;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.People;

/// <summary>What platform operators do with projects: list, create, rename, archive (read-only; webhooks still stored)
/// and unarchive, invite a project's first admin, and switch into a project to help (a time-limited admin membership,
/// with its reason in the command log).</summary>
public static class PlatformApi
{
    public static IEndpointRouteBuilder MapPlatformApi(this IEndpointRouteBuilder app)
    {
        var platform = app.MapGroup("/platform/projects").WithTags("Platform").RequireOperator();
        platform.MapGet("", List);
        platform.MapPost("", Create);
        platform.MapPatch("/{projectId:long}", Rename);
        platform.MapPost("/{projectId:long}/archive", (long projectId, ReasonRequest request, HttpContext http, NpgsqlDataSource db,
            Caching.CacheInvalidationReader invalidations, CancellationToken ct) => Archive(projectId, true, request, http, db, invalidations, ct));
        platform.MapPost("/{projectId:long}/unarchive", (long projectId, ReasonRequest request, HttpContext http, NpgsqlDataSource db,
            Caching.CacheInvalidationReader invalidations, CancellationToken ct) => Archive(projectId, false, request, http, db, invalidations, ct));
        platform.MapPost("/{projectId:long}/invitations", Invite);
        platform.MapPost("/{projectId:long}/help", StartHelp);
        platform.MapPost("/{projectId:long}/help/end", EndHelp);
        return app;
    }

    private static CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    private static ProblemHttpResult? ValidateName(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Trim().Length > 80
            ? Refusals.Invalid("name", "invalid_project_name", "A project name has 1 to 80 characters.")
            : null;

    public static async Task<Ok<PlatformProject[]>> List(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<PlatformProject>(Sql(
            "select id, name, slug, created_at, archived_at, members, accounts from core.platform_projects()", new { }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Results<Created<PlatformProject>, ProblemHttpResult>> Create(ProjectNameRequest request, HttpContext http,
        NpgsqlDataSource db, CancellationToken ct)
    {
        if (ValidateName(request.Name) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        long id;
        await using (var command = await connection.BeginCommandAsync(http, ct))
        {
            id = await connection.ExecuteScalarAsync<long>(Sql("select core.create_project(@name)", new { name = request.Name!.Trim() }, ct));
            await command.CommitAsync(ct);
        }
        var project = await connection.QuerySingleAsync<PlatformProject>(Sql(
            "select id, name, slug, created_at, archived_at, members, accounts from core.platform_projects() where id = @id", new { id }, ct));
        return TypedResults.Created($"/platform/projects/{id}", project);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Rename(long projectId, ProjectNameRequest request, HttpContext http,
        NpgsqlDataSource db, Caching.CacheInvalidationReader invalidations, CancellationToken ct)
    {
        if (ValidateName(request.Name) is { } invalid) return invalid;
        if (!await db.ExecuteCommandAsync(http, "select core.rename_project(@projectId, @name)", new { projectId, name = request.Name!.Trim() }, ct))
            return Refusals.NotFound();
        await invalidations.CatchUpAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>Read-only from the next call on, on this instance (it applies the grants' invalidation before
    /// answering) and on the others within a notification's latency.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Archive(long projectId, bool archived, ReasonRequest request, HttpContext http,
        NpgsqlDataSource db, Caching.CacheInvalidationReader invalidations, CancellationToken ct)
    {
        if (!await db.ExecuteCommandAsync(http, "select core.archive_project(@projectId, @archived, @reason)",
                new { projectId, archived, reason = request.Reason?.Trim() }, ct))
            return Refusals.NotFound();
        await invalidations.CatchUpAsync(ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Created<OneTimeLink>, ProblemHttpResult>> Invite(long projectId, InvitationRequest request, HttpContext http,
        NpgsqlDataSource db, IOptions<PeopleOptions> options, LinkMailer mailer, CancellationToken ct)
    {
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            if (!await connection.ExecuteScalarAsync<bool>(Sql("select exists (select 1 from core.projects where id = @projectId)", new { projectId }, ct)))
                return Refusals.NotFound();
        }
        return await PeopleApi.InviteAsync(projectId, request, http, db, options.Value, mailer, ct);
    }

    /// <summary>The operator becomes the project's admin for People:HelpHours, saying why; every step they take there
    /// is in the command log under their name.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> StartHelp(long projectId, ReasonRequest request, Caller caller, HttpContext http,
        NpgsqlDataSource db, IOptions<PeopleOptions> options, Caching.CacheInvalidationReader invalidations, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 500)
            return Refusals.Invalid("reason", "reason_required", "Say why you switch into this project (up to 500 characters).");
        if (!await db.ExecuteCommandAsync(http, "select core.start_help(@projectId, @userId, @hours, @reason)",
                new { projectId, userId = caller.UserId, hours = options.Value.HelpHours, reason = request.Reason.Trim() }, ct))
            return Refusals.NotFound();
        await invalidations.CatchUpAsync(ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> EndHelp(long projectId, ReasonRequest request, Caller caller, HttpContext http,
        NpgsqlDataSource db, Caching.CacheInvalidationReader invalidations, CancellationToken ct)
    {
        if (!await db.ExecuteCommandAsync(http, "select core.end_help(@projectId, @userId)", new { projectId, userId = caller.UserId }, ct))
            return Refusals.NotFound();
        await invalidations.CatchUpAsync(ct);
        return TypedResults.NoContent();
    }
}
