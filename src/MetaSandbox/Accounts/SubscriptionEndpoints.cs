using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.MetaSandbox.Graph;

namespace MultichannelMessages.MetaSandbox.Accounts;

/// <summary>
/// <c>/{waba-or-page-id}/subscribed_apps</c>: the app subscribes to a WhatsApp Business Account's webhooks (the token
/// must be one of the WABA's numbers') or a page's (the page token). A WABA that has none of the token's numbers, or a
/// page the token cannot manage, is Meta's 100/33; a business that took the management permission away, 200.
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
        if (GraphAuth.AuthorizeOwner(http.Request, accounts, id, owners, "post", manage: true) is { } denied) return denied.ToResult(http.Response);
        accounts.Subscribe(id);
        return TypedResults.Json(new JsonObject { ["success"] = true });
    }

    public static IResult List(string id, HttpContext http, AccountRegistry accounts)
    {
        var (owners, isWaba) = Owners(accounts, id);
        if (GraphAuth.AuthorizeOwner(http.Request, accounts, id, owners, "get", manage: true) is { } denied) return denied.ToResult(http.Response);
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
        if (GraphAuth.AuthorizeOwner(http.Request, accounts, id, owners, "delete", manage: true) is { } denied) return denied.ToResult(http.Response);
        accounts.Unsubscribe(id);
        return TypedResults.Json(new JsonObject { ["success"] = true });
    }

    // ── Sandbox control ──

    public static Ok<string[]> Subscriptions(AccountRegistry accounts) => TypedResults.Ok(accounts.Subscriptions.ToArray());
}
