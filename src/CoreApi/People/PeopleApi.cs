using System.Net.Mail;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MultichannelMessages.Contracts.People;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Auth;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.People;

/// <summary>A project's people (people.manage, admins): who is in it, open invitations, role changes, removal (their
/// grants drop at once everywhere and every session of theirs ends) and password-reset links.</summary>
public static class PeopleApi
{
    public static readonly IReadOnlySet<string> Roles = new HashSet<string> { "agent", "supervisor", "admin", "dev" };

    public static IEndpointRouteBuilder MapPeopleApi(this IEndpointRouteBuilder app)
    {
        var project = app.MapGroup("/projects/{projectId:long}").WithTags("People").RequirePermission(Permissions.ManagePeople);
        project.MapGet("/people", List);
        project.MapPost("/invitations", Invite);
        project.MapDelete("/invitations/{invitationId:long}", RevokeInvitation);
        project.MapPatch("/people/{userId:long}", ChangeRole);
        project.MapPost("/people/{userId:long}/deactivate", Deactivate);
        project.MapPost("/people/{userId:long}/password-reset", PasswordReset);
        return app;
    }

    private static CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    public static async Task<Ok<PeopleView>> List(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var members = await connection.QueryAsync<Person>(Sql(
            "select user_id, display_name, email, role, last_login_at, helping_until from core.project_people(@projectId)", new { projectId }, ct));
        var invitations = await connection.QueryAsync<OpenInvitation>(Sql(
            "select id, email, role, created_at, expires_at, invited_by from core.open_invitations(@projectId)", new { projectId }, ct));
        return TypedResults.Ok(new PeopleView(members.ToArray(), invitations.ToArray()));
    }

    public static Task<Results<Created<OneTimeLink>, ProblemHttpResult>> Invite(long projectId, InvitationRequest request, HttpContext http,
        NpgsqlDataSource db, IOptions<PeopleOptions> options, LinkMailer mailer, CancellationToken ct) =>
        InviteAsync(projectId, request, http, db, options.Value, mailer, ct);

    /// <summary>Shared by project admins and by operators inviting a project's first admin.</summary>
    public static async Task<Results<Created<OneTimeLink>, ProblemHttpResult>> InviteAsync(long projectId, InvitationRequest request,
        HttpContext http, NpgsqlDataSource db, PeopleOptions options, LinkMailer mailer, CancellationToken ct)
    {
        if (NormalizeEmail(request.Email) is not { } email) return Refusals.Invalid("email", "invalid_email", "Enter an e-mail address such as ana@example.com.");
        if (request.Role is not { } role || !Roles.Contains(role))
            return Refusals.Invalid("role", "invalid_role", "The role is agent, supervisor, admin or dev.");
        var (token, hash) = OneTimeTokens.New();
        var expiresAt = DateTime.UtcNow.AddHours(options.InvitationHours);
        await using var connection = await db.OpenConnectionAsync(ct);
        long invitationId;
        await using (var command = await connection.BeginCommandAsync(http, ct))
        {
            var (id, refusal) = await connection.QuerySingleAsync<(long? Id, string? Refusal)>(Sql(
                "select invitation_id, refusal from core.invite(@projectId, @email, @role, @hash, @expiresAt, @userId)",
                new { projectId, email, role, hash, expiresAt, userId = TokenService.UserId(http.User) }, ct));
            if (refusal == "project_archived") return Refusals.ProjectArchived();
            if (refusal == "already_member") return Refusals.Invalid("email", "already_member", "Someone with this e-mail address is already in the project.");
            invitationId = id!.Value;
            await command.CommitAsync(ct);
        }
        var link = options.LinkFor("accept", token);
        var project = await connection.ExecuteScalarAsync<string>(Sql("select name from core.projects where id = @projectId", new { projectId }, ct));
        var emailed = await mailer.SendAsync(email, MailTexts.Invitation(project ?? "", role, link, expiresAt), ct);
        return TypedResults.Created($"/projects/{projectId}/invitations/{invitationId}", new OneTimeLink(invitationId, email, expiresAt, link, emailed));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeInvitation(long projectId, long invitationId, HttpContext http,
        NpgsqlDataSource db, CancellationToken ct)
    {
        return await db.ExecuteCommandAsync(http, "select core.revoke_invitation(@projectId, @invitationId)", new { projectId, invitationId }, ct)
            ? TypedResults.NoContent() : Refusals.NotFound();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ChangeRole(long projectId, long userId, RoleRequest request, ProjectScope scope,
        HttpContext http, NpgsqlDataSource db, Caching.CacheInvalidationReader invalidations, CancellationToken ct)
    {
        if (request.Role is not { } role || !Roles.Contains(role))
            return Refusals.Invalid("role", "invalid_role", "The role is agent, supervisor, admin or dev.");
        if (userId == scope.UserId && role != "admin")
            return Refusals.Invalid("role", "own_role", "You cannot take away your own admin role; another admin can.");
        if (!await db.ExecuteCommandAsync(http, "select core.change_role(@projectId, @userId, @role)", new { projectId, userId, role }, ct))
            return Refusals.NotFound();
        await invalidations.CatchUpAsync(ct); // the new grants apply from the member's next call
        return TypedResults.NoContent();
    }

    /// <summary>Out of the project at once: their grants drop on every instance and every session of theirs ends
    /// (core.remove_member), so an open console is signed out, its access token refused from the next call and its hub
    /// connections closed.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Deactivate(long projectId, long userId, ReasonRequest request, ProjectScope scope,
        HttpContext http, NpgsqlDataSource db, Caching.CacheInvalidationReader invalidations, CancellationToken ct)
    {
        if (userId == scope.UserId) return Refusals.Invalid("userId", "own_account", "You cannot remove yourself; another admin can.");
        if (!await db.ExecuteCommandAsync(http, "select core.remove_member(@projectId, @userId, @reason)",
                new { projectId, userId, reason = request.Reason?.Trim() }, ct))
            return Refusals.NotFound();
        await invalidations.CatchUpAsync(ct); // this instance refuses their tokens from the next call on
        return TypedResults.NoContent();
    }

    public static async Task<Results<Created<OneTimeLink>, ProblemHttpResult>> PasswordReset(long projectId, long userId, ReasonRequest request,
        HttpContext http, NpgsqlDataSource db, IOptions<PeopleOptions> options, LinkMailer mailer, CancellationToken ct)
    {
        var (token, hash) = OneTimeTokens.New();
        var expiresAt = DateTime.UtcNow.AddHours(options.Value.ResetHours);
        await using var connection = await db.OpenConnectionAsync(ct);
        long id;
        string email;
        await using (var command = await connection.BeginCommandAsync(http, ct))
        {
            var row = await connection.QuerySingleAsync<(long? LinkId, string? Email, string? Refusal)>(Sql(
                "select link_id, email, refusal from core.create_password_reset(@projectId, @userId, @hash, @expiresAt, @actor)",
                new { projectId, userId, hash, expiresAt, actor = TokenService.UserId(http.User) }, ct));
            if (row.Refusal is not null) return Refusals.NotFound();
            (id, email) = (row.LinkId!.Value, row.Email!);
            await command.CommitAsync(ct);
        }
        var link = options.Value.LinkFor("reset", token);
        var emailed = await mailer.SendAsync(email, MailTexts.PasswordReset(link, expiresAt), ct);
        return TypedResults.Created($"/projects/{projectId}/people/{userId}", new OneTimeLink(id, email, expiresAt, link, emailed));
    }

    public static string? NormalizeEmail(string? text)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > 254 || !MailAddress.TryCreate(trimmed, out var address) || address.Address != trimmed
            || !address.Host.Contains('.'))
            return null;
        return trimmed.ToLowerInvariant();
    }
}
