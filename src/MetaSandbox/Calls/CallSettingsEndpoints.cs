using System.Text.Json.Nodes;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Graph;
using MultichannelMessages.MetaSandbox.Messages;

namespace MultichannelMessages.MetaSandbox.Calls;

/// <summary><c>/{phone-number-id}/settings</c> (the calling object) and <c>/{phone-number-id}/call_permissions</c>.</summary>
public static class CallSettingsEndpoints
{
    public static async Task<IResult> UpdateAsync(string id, HttpContext http, CallServices s)
    {
        if (Authorize(id, http, s, GraphPermissions.WhatsAppManagement) is { } denied)
            return denied;
        if (await JsonFields.ReadObjectAsync(http.Request) is not { } body)
            return GraphErrors.InvalidParameter("The request body must be a JSON object.").ToResult();
        if (CallSettings.Problem(body["calling"]) is { } invalid)
            return GraphErrors.InvalidParameter(invalid).ToResult();
        s.Settings.Update(id, (JsonObject)body["calling"]!);
        return TypedResults.Json(new JsonObject { ["success"] = true });
    }

    public static IResult Get(string id, HttpContext http, CallServices s) =>
        Authorize(id, http, s, GraphPermissions.WhatsAppManagement) ?? TypedResults.Json(new JsonObject { ["calling"] = s.Settings.Get(id) });

    /// <summary>The user's permission and what the business may do next (request permission, start a call), with
    /// each limit's usage, as Meta's sample response shows.</summary>
    public static IResult Permissions(string id, HttpContext http, CallServices s)
    {
        if (Authorize(id, http, s, GraphPermissions.WhatsAppMessaging) is { } denied)
            return denied;
        if (!s.Lookups.TryTake(id))
            return CallErrors.PermissionLookupLimit().ToResult();
        var user = http.Request.Query["user_wa_id"].ToString();
        if (user.Length == 0)
            return GraphErrors.InvalidParameter("The parameter user_wa_id is required.").ToResult();
        if (!user.All(char.IsAsciiDigit))
            return GraphErrors.InvalidParameter($"Param user_wa_id must be a WhatsApp user's phone number - got \"{user}\".").ToResult();
        return TypedResults.Json(s.Permissions.View(id, user));
    }

    private static IResult? Authorize(string id, HttpContext http, CallServices s, string permission)
    {
        var caller = GraphAuth.Authorize(http.Request, s.Accounts, id, http.Request.Method.ToLowerInvariant());
        if (caller.Error is { } denied)
            return denied.ToResult(http.Response);
        if (caller.Account!.Kind != AccountKind.WhatsApp)
            return GraphErrors.UnknownObject(id, http.Request.Method.ToLowerInvariant()).ToResult();
        return GraphPermissions.Check(caller.Account, permission)?.ToResult(http.Response);
    }
}
