using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.MetaSandbox.Graph;

namespace MultichannelMessages.MetaSandbox.Accounts;

/// <summary>
/// <c>/{waba-or-page-id}/subscribed_apps</c>: the app subscribes to a WhatsApp Business Account's webhooks (the token
/// must be one of the WABA's numbers') or a page's (the page token). A WABA that has none of the token's numbers, or a
/// page the token cannot manage, is Meta's 100/33. And the sandbox's own controls of a token: expire, revoke, replace.
/// </summary>
public static class SubscriptionEndpoints
{
    private static (IReadOnlyList<SandboxAccount> Owners, bool IsWaba) Owners(AccountRegistry accounts, string id)
    {
        var numbers = accounts.ForWaba(id).ToList();
        if (numbers.Count > 0) return (numbers, true);
        return (accounts.Find(id) is { Kind: not AccountKind.WhatsApp } page ? [page] : [], false);
    }

    public static IResult Subscribe(string id, HttpContext http, AccountRegistry accounts)
    {
        var (owners, _) = Owners(accounts, id);
        if (GraphAuth.AuthorizeOwner(http.Request, accounts, id, owners, "post") is { } denied) return denied.ToResult(http.Response);
        accounts.Subscribe(id);
        return TypedResults.Json(new JsonObject { ["success"] = true });
    }

    public static IResult List(string id, HttpContext http, AccountRegistry accounts)
    {
        var (owners, isWaba) = Owners(accounts, id);
        if (GraphAuth.AuthorizeOwner(http.Request, accounts, id, owners, "get") is { } denied) return denied.ToResult(http.Response);
        var data = new JsonArray();
        if (accounts.IsSubscribed(id))
            data.Add(isWaba
                ? new JsonObject { ["whatsapp_business_api_data"] = new JsonObject { ["id"] = "sandbox-app", ["name"] = "Multichannel Messages" } }
                : new JsonObject { ["id"] = "sandbox-app", ["name"] = "Multichannel Messages", ["subscribed_fields"] = new JsonArray("messages", "message_echoes") });
        return TypedResults.Json(new JsonObject { ["data"] = data });
    }

    public static IResult Unsubscribe(string id, HttpContext http, AccountRegistry accounts)
    {
        var (owners, _) = Owners(accounts, id);
        if (GraphAuth.AuthorizeOwner(http.Request, accounts, id, owners, "delete") is { } denied) return denied.ToResult(http.Response);
        accounts.Unsubscribe(id);
        return TypedResults.Json(new JsonObject { ["success"] = true });
    }

    // ── Sandbox controls ──

    public static Ok<string[]> Subscriptions(AccountRegistry accounts) => TypedResults.Ok(accounts.Subscriptions.ToArray());

    public static Results<Ok<AccountView>, NotFound> SetTokenState(string id, TokenState state, AccountRegistry accounts) =>
        accounts.Update(id, a => a with { TokenState = state }) is { } changed ? TypedResults.Ok(AccountView.Of(changed)) : TypedResults.NotFound();

    public sealed record TokenBody(string? AccessToken);

    /// <summary>A new token for the account (what a business does after its old one expired), valid at once.</summary>
    public static Results<Ok<AccountView>, NotFound, ValidationProblem> ReplaceToken(string id, TokenBody body, AccountRegistry accounts)
    {
        if (string.IsNullOrWhiteSpace(body.AccessToken))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["accessToken"] = ["accessToken is required."] });
        if (accounts.Find(id) is null) return TypedResults.NotFound();
        return TypedResults.Ok(AccountView.Of(accounts.Upsert(accounts.Find(id)! with { AccessToken = body.AccessToken.Trim(), TokenState = TokenState.Valid })));
    }
}
