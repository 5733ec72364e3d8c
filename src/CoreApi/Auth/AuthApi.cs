using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using MultichannelMessages.Contracts.Auth;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Auth;

public static class AuthApi
{
    public const string LoginRateLimit = "login";

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/auth").WithTags("Auth").AllowAnonymousAccess();
        group.MapPost("/login", Login).RequireRateLimiting(LoginRateLimit);
        group.MapPost("/refresh", Refresh);
        group.MapPost("/logout", Logout);
        return app;
    }

    // Computed once so an unknown e-mail costs the same hashing time as a wrong password.
    private static readonly string DummyHash = new PasswordHasher<AppUser>().HashPassword(new AppUser(0, ""), "not-a-password");

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> Login(
        LoginRequest request, NpgsqlDataSource db, IPasswordHasher<AppUser> hasher, TokenService tokens, SignInThrottle throttle,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Email)) return Refusals.Invalid("email", "email_required", "Enter your e-mail address.");
        if (string.IsNullOrEmpty(request.Password)) return Refusals.Invalid("password", "password_required", "Enter your password.");
        if (!throttle.TryAttempt(request.Email))
            return Refusals.Problem(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many sign-in attempts. Wait a minute and try again.");

        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<(long Id, string DisplayName, string PasswordHash, bool IsActive)?>(
            new CommandDefinition("select id, display_name, password_hash, is_active from core.find_login(@Email)", new { request.Email }, cancellationToken: ct));
        var user = new AppUser(row?.Id ?? 0, row?.DisplayName ?? "");
        var verified = hasher.VerifyHashedPassword(user, row?.PasswordHash ?? DummyHash, request.Password);
        // One answer for every failure: which part was wrong is not said.
        if (row is not { IsActive: true } || verified == PasswordVerificationResult.Failed)
            return Refusals.Unauthorized("invalid_credentials", "The e-mail or password is not right.");

        await connection.ExecuteAsync(new CommandDefinition("select core.record_login(@Id)", new { user.Id }, cancellationToken: ct));
        var refresh = tokens.NewRefreshToken();
        var sessionId = await connection.ExecuteScalarAsync<long>(new CommandDefinition("select core.start_session(@UserId, @Hash, @ExpiresAt)",
            new { UserId = user.Id, refresh.Hash, refresh.ExpiresAt }, cancellationToken: ct));
        return TypedResults.Ok(Response(tokens.IssueAccess(user, sessionId), refresh, user));
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> Refresh(
        RefreshRequest request, NpgsqlDataSource db, TokenService tokens, RefreshThrottle throttle, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.RefreshToken)) return Refusals.Invalid("refreshToken", "refresh_token_required", "A refresh token is required.");
        var hash = TokenService.HashRefreshToken(request.RefreshToken);
        await using var connection = await db.OpenConnectionAsync(ct);
        var session = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "select session_id from core.refresh_token_session(@hash)", new { hash }, cancellationToken: ct));
        if (session is null) return Refusals.Unauthorized("invalid_refresh_token", "Sign in again.");
        if (!throttle.TryRefresh(session.Value))
            return Refusals.Problem(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many refreshes. Wait a minute and try again.");

        var next = tokens.NewRefreshToken();
        var row = await connection.QuerySingleOrDefaultAsync<(long UserId, string DisplayName, long SessionId)?>(new CommandDefinition(
            "select user_id, display_name, session_id from core.rotate_refresh_token(@hash, @NextHash, @ExpiresAt)",
            new { hash, NextHash = next.Hash, next.ExpiresAt }, cancellationToken: ct));
        if (row is not { } used) return Refusals.Unauthorized("invalid_refresh_token", "Sign in again.");
        var user = new AppUser(used.UserId, used.DisplayName);
        return TypedResults.Ok(Response(tokens.IssueAccess(user, used.SessionId), next, user));
    }

    /// <summary>Ends the session of the refresh token given, or else of the access token presented: none of the
    /// session's refresh tokens works again, nor do its unexpired access tokens. Answers 204 whether or not the token was known (it says nothing).</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Logout(
        LogoutRequest? request, HttpContext http, NpgsqlDataSource db, Caching.CacheInvalidationReader invalidations, CancellationToken ct)
    {
        var hash = request?.RefreshToken is { Length: > 0 } refresh ? TokenService.HashRefreshToken(refresh) : null;
        var sessionId = TokenService.SessionId(http.User);
        var userId = TokenService.UserId(http.User);
        if (hash is null && (sessionId is null || userId is null))
            return Refusals.Invalid("refreshToken", "refresh_token_required", "A refresh token is required.");
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("select core.sign_out(@hash, @sessionId, @userId)",
            new { hash, sessionId, userId }, cancellationToken: ct));
        // This instance applies the revocation before answering: the signed-out access token is refused from the
        // next call on (other instances follow within a notification's latency).
        await invalidations.CatchUpAsync(ct);
        return TypedResults.NoContent();
    }

    private static TokenResponse Response(AccessToken access, RefreshToken refresh, AppUser user) =>
        new(access.Token, access.ExpiresAt, refresh.Token, refresh.ExpiresAt, user.Id, user.DisplayName);
}
