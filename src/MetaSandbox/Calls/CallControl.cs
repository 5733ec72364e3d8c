using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Apis;
using MultichannelMessages.MetaSandbox.Customers;
using MultichannelMessages.MetaSandbox.Graph;
using MultichannelMessages.MetaSandbox.Webhooks;

namespace MultichannelMessages.MetaSandbox.Calls;

/// <summary>The WhatsApp user's side of calls, for tests and the demo: call the business, pick up or turn down its
/// calls, hang up, answer permission requests; and each call's timeline.</summary>
public static class CallControl
{
    public static Results<Created<CustomerCallAccepted>, NotFound, ValidationProblem, ProblemHttpResult> CustomerCalls(
        string phoneNumberId, CustomerCallRequest body, CallServices s, CustomerWindows windows, WebhookScheduler scheduler, TimeProvider time)
    {
        if (RequestValidation.Problem(body) is { } invalid)
            return invalid;
        if (s.Accounts.Find(phoneNumberId) is not { Kind: AccountKind.WhatsApp } account)
            return TypedResults.NotFound();
        if (body.Sdp is not null && Sdp.Problem(body.Sdp, "offer") is { } sdp)
            return RequestValidation.Problem("sdp", sdp);
        var user = body.From!;
        if (Refusal(account, user, s, time.GetUtcNow()) is { } refused)
            return TypedResults.Problem(refused, statusCode: StatusCodes.Status409Conflict);

        var call = s.Lifecycle.UserCalls(account, user, body.Name ?? $"Customer {user[^4..]}", body.Sdp);
        // With the callback setting on, calling the business grants it a temporary permission to call back, told as
        // a call_permission_reply whose context is the call (response_source automatic).
        if (s.Settings.CallbackPermission(account.Id) && s.Permissions.Status(account.Id, user) == "no_permission")
        {
            var expires = s.Permissions.Reply(account.Id, user, accept: true, permanent: false);
            scheduler.Schedule(PermissionReply(account, user, call.UserName, call.Id, true, false, expires, "automatic", time), TimeSpan.Zero);
            call.Record(time.GetUtcNow(), "webhook", "call_permission_reply automatic");
        }
        windows.Opened(account.Id, user);
        return TypedResults.Created($"/sandbox/calls/{call.Id}", new CustomerCallAccepted(call.Id, call.Offer));
    }

    /// <summary>Why WhatsApp would not put the user's call through to the business, or null.</summary>
    private static string? Refusal(SandboxAccount account, string user, CallServices s, DateTimeOffset now)
    {
        if (!s.Settings.Enabled(account.Id))
            return "Calling is disabled on this number: WhatsApp shows the user no call button.";
        if (s.Settings.SipEnabled(account.Id))
            return "SIP signalling is enabled on this number: its calls go to the SIP server, not to the Calling API.";
        if (!s.Settings.WithinCallHours(account.Id, now))
            return "Outside the number's call hours: WhatsApp does not put the call through.";
        return s.Calls.ActiveBetween(account.Id, user) is { } ongoing ? $"The user is already in call {ongoing.Id} with this number." : null;
    }

    public static Results<Accepted<CallPermissionReplyAccepted>, NotFound, ValidationProblem, ProblemHttpResult> PermissionReply(
        string phoneNumberId, CallPermissionReplyRequest body, CallServices s, CustomerWindows windows, WebhookScheduler scheduler, TimeProvider time)
    {
        if (RequestValidation.Problem(body) is { } invalid)
            return invalid;
        if (s.Accounts.Find(phoneNumberId) is not { Kind: AccountKind.WhatsApp } account)
            return TypedResults.NotFound();
        var user = body.From!;
        if (s.Permissions.PendingRequest(account.Id, user) is not { } request)
            return TypedResults.Problem("No call permission request from this number awaits the user's answer.", statusCode: StatusCodes.Status409Conflict);
        var accept = body.Response == "accept";
        var expires = s.Permissions.Reply(account.Id, user, accept, body.Permanent);
        var item = PermissionReply(account, user, body.Name ?? $"Customer {user[^4..]}", request, accept, accept && body.Permanent, expires, "user_action", time);
        windows.Opened(account.Id, user);
        scheduler.Schedule(item, TimeSpan.Zero);
        var id = item.Payload["messages"]![0]!["id"]!.GetValue<string>();
        return TypedResults.Accepted((string?)null, new CallPermissionReplyAccepted(id, request, expires?.ToUnixTimeSeconds()));
    }

    /// <summary>The interactive call_permission_reply message (field messages), as Meta's capture shows it.</summary>
    private static WebhookItem PermissionReply(SandboxAccount account, string user, string name, string replyTo, bool accept,
        bool permanent, DateTimeOffset? expires, string source, TimeProvider time)
    {
        var reply = new JsonObject { ["response"] = accept ? "accept" : "reject", ["is_permanent"] = permanent };
        if (expires is { } at)
            reply["expiration_timestamp"] = at.ToUnixTimeSeconds();
        reply["response_source"] = source;
        var content = new JsonObject { ["type"] = "call_permission_reply", ["call_permission_reply"] = reply };
        return WhatsAppPayloads.Inbound(account, user, name, GraphIds.Wamid(user), time.GetUtcNow(), "interactive", content, replyTo);
    }

    /// <summary>Marks the user's device as relayed (or not): business calls to them wait for its answer.</summary>
    public static Results<NoContent, NotFound, ValidationProblem> Device(string phoneNumberId, CallDeviceRequest body, CallServices s)
    {
        if (RequestValidation.Problem(body) is { } invalid)
            return invalid;
        if (s.Accounts.Find(phoneNumberId) is not { Kind: AccountKind.WhatsApp })
            return TypedResults.NotFound();
        s.Devices.Set(phoneNumberId, body.From!, body.Relayed);
        return TypedResults.NoContent();
    }

    /// <summary>The relayed device answers the business's offer: the connect webhook with that answer, then RINGING.</summary>
    public static Results<Ok<CallView>, NotFound, ValidationProblem, ProblemHttpResult> Session(string callId, CallSessionRequest body, CallServices s)
    {
        if (RequestValidation.Problem(body) is { } invalid)
            return invalid;
        if (Sdp.Problem(body.Sdp, "answer") is { } sdp)
            return RequestValidation.Problem("sdp", sdp);
        if (s.Calls.Find(callId) is not { } call || s.Accounts.Find(call.AccountId) is not { } account)
            return TypedResults.NotFound();
        return s.Lifecycle.DeviceAnswers(account, call, body.Sdp!)
            ? TypedResults.Ok(CallView.Of(call))
            : TypedResults.Problem("Only a ringing business call to a relayed device, not answered yet, takes a device answer.", statusCode: StatusCodes.Status409Conflict);
    }

    public static Ok<CallView[]> List([Microsoft.AspNetCore.Mvc.FromQuery(Name = "account_id")] string? accountId,
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "user")] string? user, CallStore calls) => TypedResults.Ok(calls.All
        .Where(c => (accountId is null || c.AccountId == accountId) && (user is null || c.User == user))
        .Select(CallView.Of).ToArray());

    public static Results<Ok<CallView>, NotFound> Get(string callId, CallStore calls) =>
        calls.Find(callId) is { } call ? TypedResults.Ok(CallView.Of(call)) : TypedResults.NotFound();

    public static Results<Ok<CallView>, NotFound, ProblemHttpResult> Answer(string callId, CallServices s) =>
        Act(callId, s, (a, c) => s.Lifecycle.UserAnswers(a, c), "Only a ringing business-initiated call can be answered.");

    public static Results<Ok<CallView>, NotFound, ProblemHttpResult> Reject(string callId, CallServices s) =>
        Act(callId, s, (a, c) => s.Lifecycle.UserRejects(a, c), "Only a ringing business-initiated call can be rejected.");

    public static Results<Ok<CallView>, NotFound, ProblemHttpResult> Ignore(string callId, CallServices s) =>
        Act(callId, s, (a, c) => !c.UserInitiated && s.Lifecycle.Expire(a, c, "the user did not pick up"),
            "Only a ringing business-initiated call can ring out.");

    /// <summary>Ends the accept window of a ringing user-initiated call now, as if the business took too long.</summary>
    public static Results<Ok<CallView>, NotFound, ProblemHttpResult> Expire(string callId, CallServices s) =>
        Act(callId, s, (a, c) => c.UserInitiated && s.Lifecycle.Expire(a, c, "accept window ended (sandbox control)"),
            "Only a ringing user-initiated call has an accept window.");

    public static Results<Ok<CallView>, NotFound, ProblemHttpResult> HangUp(string callId, CallServices s) =>
        Act(callId, s, (a, c) => s.Lifecycle.UserHangsUp(a, c), "The call has already ended.");

    public static Results<Ok<CallView>, NotFound, ValidationProblem, ProblemHttpResult> Fail(string callId, CallFailureRequest body, CallServices s)
    {
        if (RequestValidation.Problem(body) is { } invalid)
            return invalid;
        if (!CallFailures.IsKnown(body.Code!.Value))
            return RequestValidation.Problem("code", $"A terminate webhook carries one of {string.Join(", ", CallFailures.Codes)}.");
        return Act(callId, s, (a, c) => s.Lifecycle.Fail(a, c, body.Code.Value, body.Details), "The call has already ended.") switch
        {
            { Result: Ok<CallView> ok } => ok,
            { Result: NotFound nf } => nf,
            var other => (ProblemHttpResult)other.Result,
        };
    }

    private static Results<Ok<CallView>, NotFound, ProblemHttpResult> Act(string callId, CallServices s,
        Func<SandboxAccount, SandboxCall, bool> act, string conflict)
    {
        if (s.Calls.Find(callId) is not { } call || s.Accounts.Find(call.AccountId) is not { } account)
            return TypedResults.NotFound();
        return act(account, call)
            ? TypedResults.Ok(CallView.Of(call))
            : TypedResults.Problem(conflict, statusCode: StatusCodes.Status409Conflict);
    }
}
