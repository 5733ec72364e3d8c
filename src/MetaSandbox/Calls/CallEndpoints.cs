using System.Text.Json.Nodes;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Faults;
using MultichannelMessages.MetaSandbox.Graph;
using MultichannelMessages.MetaSandbox.Messages;

namespace MultichannelMessages.MetaSandbox.Calls;

/// <summary><c>POST /{version}/{phone-number-id}/calls</c>: Meta's one calling endpoint, its action in the body.</summary>
public static class CallEndpoints
{
    private static readonly string[] Actions = ["connect", "pre_accept", "accept", "reject", "terminate"];
    public const int MaxCallbackData = 512;

    public static async Task<IResult> PostAsync(string id, HttpContext http, CallServices s)
    {
        var caller = GraphAuth.Authorize(http.Request, s.Accounts, id, "post");
        if (caller.Error is { } denied)
            return denied.ToResult(http.Response);
        var account = caller.Account!;
        if (account.Kind != AccountKind.WhatsApp)
            return GraphErrors.UnknownObject(id, "post").ToResult();
        if (GraphPermissions.Check(account, GraphPermissions.WhatsAppMessaging) is { } missing)
            return missing.ToResult(http.Response);
        if (await JsonFields.ReadObjectAsync(http.Request) is not { } body)
            return GraphErrors.InvalidParameter("The request body must be a JSON object.").ToResult();

        if (Validate(body) is { } invalid)
            return GraphErrors.InvalidParameter(invalid).ToResult();
        if (s.Settings.SipEnabled(account.Id))
            return CallErrors.SipEnabled().ToResult();
        var action = body.Text("action")!;
        if (action == "connect")
            return await ConnectAsync(account, body, http, s);

        var callId = body.Text("call_id")!;
        if (s.Calls.Find(callId) is not { } call || call.AccountId != account.Id)
            return CallErrors.UnknownCall(callId).ToResult();
        var error = action switch
        {
            "pre_accept" or "accept" => s.Lifecycle.Answer(account, call, action, body["session"].Text("sdp")!),
            "reject" => s.Lifecycle.Reject(account, call),
            _ => s.Lifecycle.Terminate(account, call),
        };
        if (action == "accept" && error is null && body.Text("biz_opaque_callback_data") is { } data)
            call.CallbackData = data;
        return error is null ? TypedResults.Json(new JsonObject { ["messaging_product"] = "whatsapp", ["success"] = true }) : error.ToResult();
    }

    private static async Task<IResult> ConnectAsync(SandboxAccount account, JsonObject body, HttpContext http, CallServices s)
    {
        if (!s.Settings.Enabled(account.Id))
            return CallErrors.NotEnabled().ToResult();
        var to = body.Text("to")!;
        var user = new string([.. to.Where(char.IsAsciiDigit)]);
        if (s.Permissions.CallRefusal(account.Id, user) is { } refused)
            return refused.ToResult();
        if (s.Calls.ActiveBetween(account.Id, user) is { } ongoing)
            return CallErrors.Duplicate(ongoing.Id).ToResult();
        if (s.Calls.ActiveOn(account.Id) >= s.Options.ConcurrentCallsPerNumber)
            return CallErrors.ConcurrentLimit(s.Options.ConcurrentCallsPerNumber).ToResult();
        var fault = await s.Faults.ApplyAsync("calls", account, http);
        if (fault.Answer is not null)
            return fault.Answer;
        var call = s.Lifecycle.BusinessCalls(account, user, body["session"].Text("sdp")!, body.Text("biz_opaque_callback_data"),
            s.Devices.IsRelayed(account.Id, user));
        return TypedResults.Json(new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["calls"] = new JsonArray(new JsonObject { ["id"] = call.Id }),
        });
    }

    /// <summary>Meta's parameter checks (code 100, the problem in error_data.details): the product, the action, the
    /// parameters each action requires, and a session whose type fits the action and whose SDP holds up.</summary>
    public static string? Validate(JsonObject body)
    {
        var product = body.Text("messaging_product");
        if (product is null)
            return "The parameter messaging_product is required.";
        if (product != "whatsapp")
            return $"Param messaging_product must be one of {{WHATSAPP}} - got \"{product}\".";
        var action = body.Text("action");
        if (action is null)
            return "The parameter action is required.";
        if (!Actions.Contains(action))
            return $"Param action must be one of {{{string.Join(", ", Actions.Select(a => a.ToUpperInvariant()))}}} - got \"{action}\".";
        if (body.Text("biz_opaque_callback_data") is { Length: > MaxCallbackData })
            return $"Param biz_opaque_callback_data must be at most {MaxCallbackData} characters long.";
        if (action == "connect")
        {
            if (string.IsNullOrWhiteSpace(body.Text("to")) || !body.Text("to")!.Any(char.IsAsciiDigit))
                return "The parameter to is required.";
        }
        else if (string.IsNullOrWhiteSpace(body.Text("call_id")))
        {
            return "The parameter call_id is required.";
        }
        if (action is "reject" or "terminate")
            return null;
        if (body["session"] is not JsonObject session)
            return "The parameter session is required.";
        var expected = action == "connect" ? "offer" : "answer";
        var type = session.Text("sdp_type");
        if (type is null)
            return "The parameter session['sdp_type'] is required.";
        if (type != expected)
            return $"Param session['sdp_type'] must be {expected} for action {action} - got \"{type}\".";
        return Sdp.Problem(session.Text("sdp"), type);
    }
}

/// <summary>What the calling handlers need, resolved once.</summary>
public sealed class CallServices(AccountRegistry accounts, CallStore calls, CallSettings settings, CallPermissions permissions,
    CallLifecycle lifecycle, PermissionLookups lookups, RelayedDevices devices, FaultEffects faults,
    Microsoft.Extensions.Options.IOptions<CallOptions> options)
{
    public RelayedDevices Devices { get; } = devices;
    public PermissionLookups Lookups { get; } = lookups;
    public AccountRegistry Accounts { get; } = accounts;
    public CallStore Calls { get; } = calls;
    public CallSettings Settings { get; } = settings;
    public CallPermissions Permissions { get; } = permissions;
    public CallLifecycle Lifecycle { get; } = lifecycle;
    public FaultEffects Faults { get; } = faults;
    public CallOptions Options { get; } = options.Value;
}
