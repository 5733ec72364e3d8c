using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Auth;

public static class AuthApi
{
    public const string LoginRateLimit = "login";

    public sealed record LoginRequest(string? Email, string? Password);
    public sealed record RefreshRequest(string? RefreshToken);
    public sealed record TokenResponse(string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken,
        DateTimeOffset RefreshTokenExpiresAt, long UserId, string DisplayName);

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/auth").WithTags("Auth").AllowAnonymousAccess();
        group.MapPost("/login", Login).RequireRateLimiting(LoginRateLimit);
        group.MapPost("/refresh", Refresh).RequireRateLimiting(LoginRateLimit);
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
        return TypedResults.Ok(await IssueAsync(connection, tokens, user, ct));
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> Refresh(
        RefreshRequest request, NpgsqlDataSource db, TokenService tokens, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.RefreshToken)) return Refusals.Invalid("refreshToken", "refresh_token_required", "A refresh token is required.");
        await using var connection = await db.OpenConnectionAsync(ct);
        var user = await connection.QuerySingleOrDefaultAsync<(long UserId, string DisplayName)?>(new CommandDefinition(
            "select user_id, display_name from core.use_refresh_token(@Hash)",
            new { Hash = TokenService.HashRefreshToken(request.RefreshToken) }, cancellationToken: ct));
        if (user is null) return Refusals.Unauthorized("invalid_refresh_token", "Sign in again.");
        return TypedResults.Ok(await IssueAsync(connection, tokens, new AppUser(user.Value.UserId, user.Value.DisplayName), ct));
    }

    private static async Task<TokenResponse> IssueAsync(NpgsqlConnection connection, TokenService tokens, AppUser user, CancellationToken ct)
    {
        var pair = tokens.Issue(user);
        await connection.ExecuteAsync(new CommandDefinition("select core.save_refresh_token(@UserId, @Hash, @ExpiresAt)",
            new { UserId = user.Id, Hash = TokenService.HashRefreshToken(pair.RefreshToken), ExpiresAt = pair.RefreshTokenExpiresAt }, cancellationToken: ct));
        return new TokenResponse(pair.AccessToken, pair.AccessTokenExpiresAt, pair.RefreshToken, pair.RefreshTokenExpiresAt, user.Id, user.DisplayName);
    }
}
