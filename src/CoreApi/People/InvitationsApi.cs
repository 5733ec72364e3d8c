using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using MultichannelMessages.Contracts.People;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Auth;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.People;

/// <summary>
/// What someone holding a one-time link does, before they can sign in: see what an invitation opens and accept it
/// (choosing a name and password, or joining with the account their address already has), or complete a password
/// reset. The token travels in the body, never in a URL the server would log; these routes share sign-in's per-address
/// limit. Refusals are stable codes the console translates: *_invalid, *_used, *_expired, and project_archived for an
/// invitation into a project archived since (the link works again once it is unarchived).
/// </summary>
public static class InvitationsApi
{
    public static IEndpointRouteBuilder MapInvitationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("People").AllowAnonymousAccess().RequireRateLimiting(AuthApi.LoginRateLimit);
        group.MapPost("/invitations/inspect", Inspect);
        group.MapPost("/invitations/accept", Accept);
        group.MapPost("/password-resets/inspect", InspectReset);
        group.MapPost("/password-resets/complete", CompleteReset);
        return app;
    }

    private static CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    private sealed record LinkRow(long LinkId, string State, long? ProjectId, string? ProjectName, string Email, string? Role, string? InvitedBy,
        DateTime ExpiresAt, bool ExistingUser);

    private static ProblemHttpResult Refusal(string prefix, string state) => state switch
    {
        "archived" => Refusals.ProjectArchived(),
        "used" => Refusals.Problem(StatusCodes.Status410Gone, prefix + "_used", "This link has been used already."),
        "expired" or "revoked" => Refusals.Problem(StatusCodes.Status410Gone, prefix + "_expired", "This link has expired. Ask for a new one."),
        _ => Refusals.Invalid("token", prefix + "_invalid", "This link is not valid. Check that it was copied whole."),
    };

    private static async Task<(LinkRow? Row, ProblemHttpResult? Refusal)> LinkAsync(NpgsqlDataSource db, string? token, string purpose, string prefix,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 200) return (null, Refusal(prefix, "invalid"));
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<LinkRow>(Sql("""
            select link_id, state, project_id, project_name, email, role, invited_by, expires_at, existing_user
            from core.inspect_link(@hash, @purpose)
            """, new { hash = OneTimeTokens.Hash(token), purpose }, ct));
        return row is null ? (null, Refusal(prefix, "invalid")) : row.State != "open" ? (null, Refusal(prefix, row.State)) : (row, null);
    }

    public static async Task<Results<Ok<InvitationView>, ProblemHttpResult>> Inspect(TokenRequest request, NpgsqlDataSource db, CancellationToken ct)
    {
        var (row, refusal) = await LinkAsync(db, request.Token, "invitation", "invitation", ct);
        if (refusal is not null) return refusal;
        return TypedResults.Ok(new InvitationView(row!.ProjectName!, row.Email, row.Role!, row.InvitedBy, row.ExpiresAt, row.ExistingUser));
    }

    /// <summary>Someone already signed in elsewhere (an existing user joining) sees the project from their next call on
    /// this instance: the grants' invalidation is applied before answering.</summary>
    public static async Task<Results<Ok<AcceptedInvitation>, ProblemHttpResult>> Accept(AcceptInvitationRequest request, HttpContext http,
        NpgsqlDataSource db, IPasswordHasher<AppUser> hasher, Caching.CacheInvalidationReader invalidations, CancellationToken ct)
    {
        var (row, refusal) = await LinkAsync(db, request.Token, "invitation", "invitation", ct);
        if (refusal is not null) return refusal;
        string? hash = null;
        if (!row!.ExistingUser)
        {
            var name = request.DisplayName?.Trim();
            if (string.IsNullOrEmpty(name) || name.Length > 80) return Refusals.Invalid("displayName", "invalid_display_name", "Your name has 1 to 80 characters.");
            if (PasswordRules.Check("password", request.Password, row.Email) is { } weak) return weak;
            hash = hasher.HashPassword(new AppUser(0, name), request.Password!);
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var accepted = await connection.QuerySingleAsync<(long? UserId, long? ProjectId, bool? Created, string? Refusal)>(Sql(
            "select user_id, project_id, created, refusal from core.accept_invitation(@hash, @name, @passwordHash)",
            new { hash = OneTimeTokens.Hash(request.Token!), name = request.DisplayName?.Trim() ?? "", passwordHash = hash ?? "" }, ct));
        switch (accepted.Refusal)
        {
            case null: break;
            case "project_archived": return Refusals.ProjectArchived();
            case "account_inactive": return Refusals.Problem(StatusCodes.Status409Conflict, "account_inactive", "This account is deactivated. Ask an operator.");
            case var code: return Refusal("invitation", code.Replace("invitation_", ""));
        }
        await command.CommitAsync(ct);
        await invalidations.CatchUpAsync(ct);
        return TypedResults.Ok(new AcceptedInvitation(accepted.UserId!.Value, accepted.ProjectId!.Value, accepted.Created!.Value));
    }

    public static async Task<Results<Ok<InvitationView>, ProblemHttpResult>> InspectReset(TokenRequest request, NpgsqlDataSource db, CancellationToken ct)
    {
        var (row, refusal) = await LinkAsync(db, request.Token, "password_reset", "reset", ct);
        if (refusal is not null) return refusal;
        return TypedResults.Ok(new InvitationView(row!.ProjectName ?? "", row.Email, row.Role ?? "", row.InvitedBy, row.ExpiresAt, true));
    }

    /// <summary>Sets the new password and ends every session of the user: a thief's copy is signed out too.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> CompleteReset(CompleteResetRequest request, HttpContext http,
        NpgsqlDataSource db, IPasswordHasher<AppUser> hasher, Caching.CacheInvalidationReader invalidations, CancellationToken ct)
    {
        var (row, refusal) = await LinkAsync(db, request.Token, "password_reset", "reset", ct);
        if (refusal is not null) return refusal;
        if (PasswordRules.Check("password", request.Password, row!.Email) is { } weak) return weak;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using (var command = await connection.BeginCommandAsync(http, ct))
        {
            var done = await connection.QuerySingleAsync<(long? UserId, string? Refusal)>(Sql(
                "select user_id, refusal from core.complete_password_reset(@hash, @passwordHash)",
                new { hash = OneTimeTokens.Hash(request.Token!), passwordHash = hasher.HashPassword(new AppUser(0, ""), request.Password!) }, ct));
            if (done.Refusal is { } code) return Refusal("reset", code.Replace("reset_", ""));
            await command.CommitAsync(ct);
        }
        await invalidations.CatchUpAsync(ct);
        return TypedResults.NoContent();
    }
}
