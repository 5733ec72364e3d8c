using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.MetaSandbox.Graph;

namespace MultichannelMessages.MetaSandbox.Accounts;

/// <summary>
/// The sandbox's controls of an account's token, for tests to play what a business or Meta does to it: expire it
/// (190/463), revoke it (190/460 password changed, 458 app removed, 467 logged out), take a permission away (code 10
/// on sends, 200 on management calls), or set a new token, valid at once.
/// </summary>
public static class TokenControl
{
    private static readonly Dictionary<string, TokenState> RevokeReasons = new(StringComparer.Ordinal)
    {
        ["password_changed"] = TokenState.Revoked,
        ["app_removed"] = TokenState.AppRemoved,
        ["logged_out"] = TokenState.LoggedOut,
    };

    public static Results<Ok<AccountView>, NotFound> Expire(string id, AccountRegistry accounts) =>
        SetState(id, TokenState.Expired, accounts);

    /// <summary><c>?reason=password_changed</c> (the default), <c>app_removed</c> or <c>logged_out</c>.</summary>
    public static Results<Ok<AccountView>, NotFound, ValidationProblem> Revoke(string id, string? reason, AccountRegistry accounts)
    {
        if (!RevokeReasons.TryGetValue(reason ?? "password_changed", out var state))
            return Problem("reason", $"reason must be one of {string.Join(", ", RevokeReasons.Keys)}.");
        return SetState(id, state, accounts) switch
        {
            { Result: Ok<AccountView> ok } => ok,
            _ => TypedResults.NotFound(),
        };
    }

    public sealed record TokenBody(string? AccessToken);

    /// <summary>A new token for the account (what a business does after its old one expired), valid at once.</summary>
    public static Results<Ok<AccountView>, NotFound, ValidationProblem> Replace(string id, TokenBody body, AccountRegistry accounts)
    {
        if (string.IsNullOrWhiteSpace(body.AccessToken))
            return Problem("accessToken", "accessToken is required.");
        if (accounts.Find(id) is not { } account) return TypedResults.NotFound();
        return TypedResults.Ok(AccountView.Of(accounts.Upsert(account with { AccessToken = body.AccessToken.Trim(), TokenState = TokenState.Valid })));
    }

    public sealed record PermissionsBody(string[]? Revoked);

    /// <summary>The permissions the business took away from the app (replaces the list; empty grants all again).</summary>
    public static Results<Ok<AccountView>, NotFound, ValidationProblem> SetPermissions(string id, PermissionsBody body, AccountRegistry accounts)
    {
        var revoked = body.Revoked ?? [];
        if (revoked.FirstOrDefault(p => !GraphPermissions.All.Contains(p)) is { } unknown)
            return Problem("revoked", $"{unknown} is not one of {string.Join(", ", GraphPermissions.All.Order())}.");
        return accounts.Update(id, a => a with { RevokedPermissions = [.. revoked.Distinct()] }) is { } changed
            ? TypedResults.Ok(AccountView.Of(changed))
            : TypedResults.NotFound();
    }

    private static Results<Ok<AccountView>, NotFound> SetState(string id, TokenState state, AccountRegistry accounts) =>
        accounts.Update(id, a => a with { TokenState = state }) is { } changed ? TypedResults.Ok(AccountView.Of(changed)) : TypedResults.NotFound();

    private static ValidationProblem Problem(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
}
