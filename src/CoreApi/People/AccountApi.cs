using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using MultichannelMessages.Contracts.People;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Auth;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.People;

/// <summary>Every signed-in user's own account: change the password (other sessions end), see their sessions and end
/// one, or all ("sign out everywhere", optionally keeping this one).</summary>
public static class AccountApi
{
    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/me").WithTags("People").RequireSignedIn();
        me.MapPost("/password", ChangePassword);
        me.MapGet("/sessions", Sessions);
        me.MapPost("/sessions/end", EndSessions);
        return app;
    }

    private static CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    public static async Task<Results<NoContent, ProblemHttpResult>> ChangePassword(PasswordChangeRequest request, Caller caller, HttpContext http,
        NpgsqlDataSource db, IPasswordHasher<AppUser> hasher, Caching.CacheInvalidationReader invalidations, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.CurrentPassword)) return Refusals.Invalid("currentPassword", "password_required", "Enter your current password.");
        await using var connection = await db.OpenConnectionAsync(ct);
        var (hash, email) = await connection.QuerySingleAsync<(string? Hash, string Email)>(Sql(
            "select core.password_hash(@UserId), (select email from core.users where id = @UserId)", new { caller.UserId }, ct));
        var user = new AppUser(caller.UserId, "");
        if (hash is null || hasher.VerifyHashedPassword(user, hash, request.CurrentPassword) == PasswordVerificationResult.Failed)
            return Refusals.Invalid("currentPassword", "wrong_password", "Your current password is not right.");
        if (PasswordRules.Check("newPassword", request.NewPassword, email) is { } weak) return weak;
        if (request.NewPassword == request.CurrentPassword)
            return Refusals.Invalid("newPassword", "password_unchanged", "The new password is the one you have.");
        await using (var command = await connection.BeginCommandAsync(http, ct))
        {
            await connection.ExecuteAsync(Sql("select core.set_password(@UserId, @hash, @keep)",
                new { caller.UserId, hash = hasher.HashPassword(user, request.NewPassword!), keep = TokenService.SessionId(http.User) }, ct));
            await connection.ExecuteAsync(Sql("select ops.record_command(null, @UserId, 'user.password_change', 'user', @UserId::text, null, null)",
                new { caller.UserId }, ct));
            await command.CommitAsync(ct);
        }
        await invalidations.CatchUpAsync(ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<SessionItem[]>> Sessions(Caller caller, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var current = TokenService.SessionId(http.User);
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(long Id, DateTime CreatedAt, DateTime LastUsedAt)>(Sql(
            "select id, created_at, last_used_at from core.my_sessions(@UserId)", new { caller.UserId }, ct));
        return TypedResults.Ok(rows.Select(r => new SessionItem(r.Id, r.CreatedAt, r.LastUsedAt, r.Id == current)).ToArray());
    }

    /// <summary>One session (sessionId), or every session (keepCurrent: all but this one). Unknown or someone else's
    /// session: 404.</summary>
    public static async Task<Results<Ok<EndedSessions>, ProblemHttpResult>> EndSessions(EndSessionsRequest request, Caller caller, HttpContext http,
        NpgsqlDataSource db, Caching.CacheInvalidationReader invalidations, CancellationToken ct)
    {
        var current = TokenService.SessionId(http.User);
        await using var connection = await db.OpenConnectionAsync(ct);
        var ended = await connection.ExecuteScalarAsync<int>(Sql("select core.end_my_sessions(@UserId, @sessionId, @keep)",
            new { caller.UserId, sessionId = request.SessionId, keep = request.KeepCurrent ? current : null }, ct));
        if (request.SessionId is not null && ended == 0) return Refusals.NotFound();
        await invalidations.CatchUpAsync(ct);
        return TypedResults.Ok(new EndedSessions(ended));
    }
}
