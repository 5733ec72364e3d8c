using MultichannelMessages.MetaSandbox.Accounts;

namespace MultichannelMessages.MetaSandbox.Graph;

/// <summary>The outcome of checking a Graph call's token against the object it names.</summary>
public readonly record struct GraphCaller(string Token, SandboxAccount? Account, GraphError? Error);

public static class GraphAuth
{
    /// <summary>The bearer token, or Meta's other accepted form, the access_token query parameter.</summary>
    public static string? Token(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return header["Bearer ".Length..].Trim() is { Length: > 0 } bearer ? bearer : null;
        return request.Query["access_token"].ToString() is { Length: > 0 } query ? query : null;
    }

    /// <summary>A token no account carries is 190; a known token naming another account's object is 100/33.</summary>
    public static GraphCaller Authorize(HttpRequest request, AccountRegistry accounts, string objectId, string verb)
    {
        var token = Token(request);
        if (token is null || !accounts.IsKnownToken(token))
            return new GraphCaller(token ?? "", null, GraphErrors.InvalidToken());
        if (accounts.TokenRefusal(token) is { } refused)
            return new GraphCaller(token, null, refused);
        var account = accounts.Find(objectId);
        return account is not null && account.AccessToken == token
            ? new GraphCaller(token, account, null)
            : new GraphCaller(token, null, GraphErrors.UnknownObject(objectId, verb));
    }

    /// <summary>For objects owned by an account (media, templates, a WABA, subscriptions): the token must be the
    /// owner's; <paramref name="manage"/>: and the owner must not have taken the management permission away.</summary>
    public static GraphError? AuthorizeOwner(HttpRequest request, AccountRegistry accounts, string objectId,
        IEnumerable<SandboxAccount> owners, string verb, bool manage = false)
    {
        var token = Token(request);
        if (token is null || !accounts.IsKnownToken(token))
            return GraphErrors.InvalidToken();
        if (accounts.TokenRefusal(token) is { } refused)
            return refused;
        return owners.FirstOrDefault(a => a.AccessToken == token) is { } owner
            ? manage ? GraphPermissions.Check(owner, GraphPermissions.Management(owner.Kind)) : null
            : GraphErrors.UnknownObject(objectId, verb);
    }

    /// <summary><c>/me</c>: whoever the token belongs to (190 as for any call when Meta does not honour it).</summary>
    public static GraphCaller Me(HttpRequest request, AccountRegistry accounts)
    {
        var token = Token(request);
        if (token is null || !accounts.IsKnownToken(token))
            return new GraphCaller(token ?? "", null, GraphErrors.InvalidToken());
        if (accounts.TokenRefusal(token) is { } refused)
            return new GraphCaller(token, null, refused);
        return new GraphCaller(token, accounts.All.First(a => a.AccessToken == token), null);
    }
}
