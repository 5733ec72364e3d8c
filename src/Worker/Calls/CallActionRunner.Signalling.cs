using System.Text.Json.Nodes;
using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Calls;

/// <summary>The call's own actions: accept (pre_accept, then accept with the same SDP), connect, reject, terminate.</summary>
public sealed partial class CallActionRunner
{
    /// <summary>Meta's refusals of a business-initiated connect that end the call (docs/calls.md): calling disabled,
    /// concurrent-calls limit, a call already going on, the call rate limit, no permission, the connected-calls limit.
    /// 138005 and 138012 come as HTTP 429 but retrying cannot help the person waiting: the limit lasts hours.</summary>
    private static readonly HashSet<int> ConnectRefusals = [138000, 138002, 138003, 138005, 138006, 138012];

    /// <summary>Meta's "the call can no longer be accepted" (the accept window closed, the call is gone or connected).</summary>
    private const int NotAnswerable = 138007;

    private async Task<CallActionOutcome> AcceptAsync(CallAction a, string token, bool preAcceptOnly, CancellationToken ct)
    {
        if (a.CallEnded) return await SkipAsync(a, "the call ended before it was accepted", ct);
        if (a.ProviderCallId is null || string.IsNullOrEmpty(a.Sdp) || a.RingingAt is null)
            return Lease(await store.RefusedAsync(a, new CallRefusal("platform", null, "invalid_accept",
                "the call has no Meta id or the accept no SDP answer", "invalid_accept", Terminate: false), null, ct), CallActionOutcome.Failed);

        var deadline = Utc(a.RingingAt.Value) + _options.AcceptWindow;
        var progress = Progress(a);
        if (progress["pre_accepted"]?.GetValue<bool>() != true)
        {
            var pre = await SignalAsync(a, Answer("pre_accept", a), token, Remaining(deadline), ct);
            if (!pre.Succeeded) return await AcceptFailedAsync(a, pre, progress, deadline, preAcceptOnly, ct);
            progress["pre_accepted"] = true;
            if (preAcceptOnly) return Lease(await store.FinishAsync(a, true, null, progress, ct), CallActionOutcome.Done);
        }
        // Meta: "the accept SDP must be the same as the pre_accept SDP" — the action carries one answer for both.
        var accept = await SignalAsync(a, Answer("accept", a), token, Remaining(deadline), ct);
        if (!accept.Succeeded) return await AcceptFailedAsync(a, accept, progress, deadline, preAcceptOnly, ct);
        CallLog.Done(logger, a.CallId, "accept", a.ActionId);
        progress["accept"] = accept.Log;
        return Lease(await store.AcceptedAsync(a, progress, ct), CallActionOutcome.Done);
    }

    /// <summary>Transient (5xx, timeout, network, throttling): again soon, but only while the accept window is open — a
    /// late accept is 138007 anyway, and the person is told at once rather than after it. Otherwise the call ends failed
    /// with Meta's words. Meta may still ring the customer (any refusal but 138007), or may have connected a call whose
    /// answer was lost before a retry met 138007: then a terminate follows, so no call lives at Meta that ended here.</summary>
    private async Task<CallActionOutcome> AcceptFailedAsync(CallAction a, CallGraphResult result, JsonObject progress, DateTimeOffset deadline,
        bool preAcceptOnly, CancellationToken ct)
    {
        var error = result.Error!;
        var decision = MetaErrorClassifier.Classify(error);
        if (error.OutcomeUnknown) progress["in_doubt"] = true;
        if (!decision.IsPermanent)
        {
            var delay = TimeSpan.FromMilliseconds(_options.AcceptRetryDelayMs * Math.Pow(2, Math.Clamp(a.AttemptCount - 1, 0, 3)));
            if (error.RetryAfter is { } after && after > delay) delay = after;
            if (Now + delay < deadline)
            {
                CallLog.Retrying(logger, a.ActionId, a.Kind, error.ToString(), (int)delay.TotalMilliseconds);
                return Lease(await store.RetryAsync(a, error.ToString(), delay, progress, ct), CallActionOutcome.Retried);
            }
        }
        CallLog.Refused(logger, a.CallId, a.Kind, error.ToString(), a.ActionId);
        progress["error"] = result.Log;
        // A lone pre_accept only prepares media: its failure is the accept's to report.
        if (preAcceptOnly) return Lease(await store.FinishAsync(a, false, error.ToString(), progress, ct), CallActionOutcome.Failed);
        var terminate = error.Code != NotAnswerable || progress["in_doubt"]?.GetValue<bool>() == true;
        return Lease(await store.RefusedAsync(a, Refusal(error, terminate), progress, ct), CallActionOutcome.Failed);
    }

    /// <summary>The business calls the customer with the browser's offer. biz_opaque_callback_data names the call, so
    /// ingestion can match Meta's connect webhook even when it arrives before this request's answer.</summary>
    private async Task<CallActionOutcome> ConnectAsync(CallAction a, string token, CancellationToken ct)
    {
        if (a.CallEnded) return await SkipAsync(a, "the call ended before it was placed", ct);
        if (string.IsNullOrEmpty(a.ContactWaId) || string.IsNullOrEmpty(a.Sdp) || a.RingingAt is null)
            return Lease(await store.RefusedAsync(a, new CallRefusal("platform", null, "invalid_connect",
                "the customer has no WhatsApp id or the call no SDP offer", "invalid_connect", Terminate: false), null, ct), CallActionOutcome.Failed);

        var body = new JsonObject
        {
            ["to"] = a.ContactWaId, ["action"] = "connect",
            ["session"] = new JsonObject { ["sdp_type"] = "offer", ["sdp"] = a.Sdp },
            ["biz_opaque_callback_data"] = CallbackData(a.CallId!.Value),
        };
        var result = await SignalAsync(a, body, token, null, ct);
        if (result.Succeeded)
        {
            if (result.Body?["calls"]?[0]?["id"]?.GetValue<string>() is { Length: > 0 } wacid)
            {
                CallLog.Done(logger, a.CallId, "connect", a.ActionId);
                return Lease(await store.ConnectedAsync(a, wacid, result.Log, ct), CallActionOutcome.Done);
            }
            var unexpected = new MetaError(result.Status, null, null, "Unexpected response", "no call id in Meta's answer");
            return Lease(await store.RefusedAsync(a, Refusal(unexpected, false), result.Log, ct), CallActionOutcome.Failed);
        }

        var error = result.Error!;
        if (error.OutcomeUnknown)
        {
            // Meta may have placed the call: a second connect would ring the customer twice (or be 138003). The call
            // stays connecting; the connect webhook (matched by biz_opaque_callback_data) or the ring timeout decides.
            await store.LogAsync(a.CallId!.Value, "platform", "connect_in_doubt", new JsonObject { ["error"] = error.ToString() }, ct);
            return Lease(await store.FinishAsync(a, false, "in_doubt: " + error, result.Log, ct), CallActionOutcome.Failed);
        }
        var decision = MetaErrorClassifier.Classify(error);
        var refused = error.Code is { } code && ConnectRefusals.Contains(code);
        if (!decision.IsPermanent && !refused)
        {
            var delay = TimeSpan.FromMilliseconds(_options.AcceptRetryDelayMs * Math.Pow(2, Math.Clamp(a.AttemptCount - 1, 0, 3)));
            if (Now + delay < Utc(a.RingingAt.Value) + _options.AcceptWindow)
            {
                CallLog.Retrying(logger, a.ActionId, a.Kind, error.ToString(), (int)delay.TotalMilliseconds);
                return Lease(await store.RetryAsync(a, error.ToString(), delay, null, ct), CallActionOutcome.Retried);
            }
        }
        CallLog.Refused(logger, a.CallId, "connect", error.ToString(), a.ActionId);
        return Lease(await store.RefusedAsync(a, Refusal(error, false), result.Log, ct), CallActionOutcome.Failed);
    }

    /// <summary>reject and terminate carry only the call id. The call row was ended by whoever asked (the Core API,
    /// the sweep, a refusal); these only tell Meta. A terminate of an ended call succeeds at Meta ("even if there is an
    /// RTCP BYE"); a reject of a call that no longer rings (138007) has nothing left to do.</summary>
    private async Task<CallActionOutcome> HangUpAsync(CallAction a, string token, CancellationToken ct)
    {
        if (a.ProviderCallId is null) return await SkipAsync(a, "Meta never gave the call an id", ct);
        var result = await SignalAsync(a, new JsonObject { ["call_id"] = a.ProviderCallId, ["action"] = a.Kind }, token, null, ct);
        if (result.Succeeded || (a.Kind == "reject" && result.Error!.Code == NotAnswerable))
        {
            CallLog.Done(logger, a.CallId, a.Kind, a.ActionId);
            return Lease(await store.FinishAsync(a, true, result.Error?.ToString(), result.Log, ct), CallActionOutcome.Done);
        }
        if (await RetryOrGiveUpAsync(a, result.Error!, null, ct) is { } retried) return retried;
        CallLog.Refused(logger, a.CallId, a.Kind, result.Error!.ToString(), a.ActionId);
        return Lease(await store.FinishAsync(a, false, result.Error!.ToString(), result.Log, ct), CallActionOutcome.Failed);
    }

    /// <summary>Meta answered: its code, title and details; no answer: the platform's reason (the transport's words).</summary>
    private static CallRefusal Refusal(MetaError error, bool terminate) =>
        new(error.Source == MetaErrorSource.Response ? "meta" : "platform", error.Code, error.Title, error.Details, error.ToString(), terminate);

    private static JsonObject Answer(string action, CallAction a) => new()
    {
        ["call_id"] = a.ProviderCallId, ["action"] = action,
        ["session"] = new JsonObject { ["sdp_type"] = "answer", ["sdp"] = a.Sdp },
    };

    /// <summary>The marker ingestion matches Meta's business-initiated connect webhook by (its calls[].biz_opaque_callback_data).</summary>
    public static string CallbackData(long callId) => "mm-call-" + callId;

    /// <summary>An accept's request may not outlast the window (nor Graph:TimeoutSeconds); at least a second.</summary>
    private TimeSpan Remaining(DateTimeOffset deadline)
    {
        var left = deadline - Now;
        return left < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : left < _graphTimeout ? left : _graphTimeout;
    }

    private static JsonObject Progress(CallAction a)
    {
        try { return a.Progress is { } text && JsonNode.Parse(text) is JsonObject o ? o : []; }
        catch (System.Text.Json.JsonException) { return []; }
    }
}
