using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Faults;
using MultichannelMessages.MetaSandbox.Limits;
using MultichannelMessages.MetaSandbox.Media;
using MultichannelMessages.MetaSandbox.Templates;

namespace MultichannelMessages.MetaSandbox.Graph;

/// <summary><c>GET /{version}/{id}</c>: <c>me</c>, a media node, a template, a WhatsApp Business Account, a business
/// portfolio, a phone number, a page or an Instagram account (each with ?fields=); and the WABA's <c>phone_numbers</c>
/// edge.</summary>
public static class GraphNodes
{
    public static async Task<IResult> Get(string id, HttpContext http, NodeServices s)
    {
        var request = http.Request;
        var fields = request.Query["fields"].ToString();
        if (id == "me")
        {
            var me = GraphAuth.Me(request, s.Accounts);
            if (me.Error is { } refused) return refused.ToResult(http.Response);
            return Answer(ObjectNodes.Me(me.Account!, fields));
        }
        if (s.Media.Find(id) is { } media)
        {
            if (GraphAuth.AuthorizeOwner(request, s.Accounts, id, s.Accounts.All.Where(a => a.Id == media.AccountId), "get") is { } denied)
                return denied.ToResult(http.Response);
            // Media faults hit the lookup as well as the upload, so a downloader's retries can be exercised.
            if (s.Accounts.Find(media.AccountId) is { } owner && (await s.Faults.ApplyAsync("media", owner, http)).Answer is { } fault)
                return fault;
            return MediaEndpoints.Node(media, request, s.Options.PublicUrl);
        }
        if (s.Templates.Find(id) is { } template)
        {
            return GraphAuth.AuthorizeOwner(request, s.Accounts, id, s.Accounts.ForWaba(template.WabaId), "get") is { } denied
                ? denied.ToResult(http.Response)
                : TypedResults.Json(TemplateView.Of(template));
        }

        if (s.Accounts.ForWaba(id).ToList() is { Count: > 0 } numbers)
        {
            return GraphAuth.AuthorizeOwner(request, s.Accounts, id, numbers, "get", manage: true) is { } denied
                ? denied.ToResult(http.Response)
                : Answer(ObjectNodes.Waba(id, numbers[0], s.Portfolios.For(numbers[0].PortfolioId).Tier, fields));
        }
        if (PortfolioEndpoints.Numbers(s.Accounts, id) is { Count: > 0 } members)
        {
            return GraphAuth.AuthorizeOwner(request, s.Accounts, id, members, "get", manage: true) is { } denied
                ? denied.ToResult(http.Response)
                : Answer(ObjectNodes.Business(id, members[0], s.Portfolios.For(id).Tier, fields));
        }

        var caller = GraphAuth.Authorize(request, s.Accounts, id, "get");
        if (caller.Error is { } error)
            return error.ToResult(http.Response);
        var account = caller.Account!;
        if (GraphPermissions.Check(account, GraphPermissions.Management(account.Kind)) is { } missing)
            return missing.ToResult(http.Response);
        return Answer(ObjectNodes.Account(account, fields));
    }

    private static IResult Answer((JsonObject? Node, GraphError? Error) selected) =>
        selected.Error is { } invalid ? invalid.ToResult() : TypedResults.Json(selected.Node);

    public static IResult PhoneNumbers(string wabaId, HttpContext http, NodeServices s)
    {
        var numbers = s.Accounts.ForWaba(wabaId).ToList();
        if (GraphAuth.AuthorizeOwner(http.Request, s.Accounts, wabaId, numbers, "get", manage: true) is { } denied)
            return denied.ToResult(http.Response);
        var data = new JsonArray();
        foreach (var number in numbers)
        {
            var (node, invalid) = PhoneNumberFields.Select(number, http.Request.Query["fields"]);
            if (invalid is not null)
                return invalid.ToResult();
            data.Add(node);
        }
        return TypedResults.Json(new JsonObject { ["data"] = data });
    }
}

public sealed class NodeServices(AccountRegistry accounts, MediaStore media, TemplateStore templates, FaultEffects faults,
    PortfolioRegistry portfolios, IOptions<SandboxOptions> options)
{
    public PortfolioRegistry Portfolios { get; } = portfolios;
    public FaultEffects Faults { get; } = faults;
    public AccountRegistry Accounts { get; } = accounts;
    public MediaStore Media { get; } = media;
    public TemplateStore Templates { get; } = templates;
    public SandboxOptions Options { get; } = options.Value;
}
