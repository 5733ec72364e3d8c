using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Graph;
using MultichannelMessages.MetaSandbox.Webhooks;

namespace MultichannelMessages.MetaSandbox.Calls;

/// <summary>
/// A call's life as Meta plays it. User-initiated: connect webhook with the user's offer → the business pre-accepts
/// and/or accepts within <see cref="CallOptions.AcceptWindowSeconds"/> → either side terminates. Business-initiated:
/// the business's connect → connect webhook with Meta's answer, RINGING → the user accepts (ACCEPTED) or rejects
/// (REJECTED) or lets it ring out. Every call ends with one terminate webhook: COMPLETED with duration when it
/// connected, FAILED otherwise.
/// </summary>
public sealed class CallLifecycle(CallStore calls, CallPermissions permissions, WebhookScheduler scheduler,
    IOptions<CallOptions> options, TimeProvider time, ILogger<CallLifecycle> logger)
{
    private TimeSpan Delay => TimeSpan.FromMilliseconds(options.Value.WebhookDelayMs);

    public SandboxCall UserCalls(SandboxAccount account, string user, string name, string? offer)
    {
        var call = New(account, user, name, "USER_INITIATED", offer ?? Sdp.Generate("offer"));
        call.Record(call.CreatedAt, "user", "call", "the user calls the business");
        Send(account, call, CallPayloads.Connect(account, call, call.CreatedAt), TimeSpan.Zero, "connect");
        var window = TimeSpan.FromSeconds(options.Value.AcceptWindowSeconds);
        scheduler.Schedule(null, window, () => Expire(account, call, "accept window ended"));
        return call;
    }

    /// <param name="relayed">The user's device is a page outside the sandbox (a browser relaying real media): the
    /// connect webhook waits for its answer (<see cref="DeviceAnswers"/>) instead of one the sandbox writes.</param>
    public SandboxCall BusinessCalls(SandboxAccount account, string user, string offer, string? callbackData, bool relayed = false)
    {
        var call = New(account, user, $"Customer {user[^4..]}", "BUSINESS_INITIATED", offer);
        call.CallbackData = callbackData;
        call.Record(call.CreatedAt, "graph", "connect");
        if (!relayed)
            SendAnswer(account, call, Sdp.Generate("answer"));
        scheduler.Schedule(null, TimeSpan.FromSeconds(options.Value.RingTimeoutSeconds), () => Expire(account, call, "rang out"));
        return call;
    }

    /// <summary>The relaying device's answer to a business offer; false when the call already has one or ended.</summary>
    public bool DeviceAnswers(SandboxAccount account, SandboxCall call, string sdp)
    {
        lock (call.Gate)
        {
            if (call.UserInitiated || call.Answer is not null || call.State != CallState.Ringing)
                return false;
            call.Record(time.GetUtcNow(), "user", "device answer");
        }
        SendAnswer(account, call, sdp);
        return true;
    }

    private void SendAnswer(SandboxAccount account, SandboxCall call, string answer)
    {
        call.Answer = answer;
        var now = time.GetUtcNow();
        Send(account, call, CallPayloads.Connect(account, call, now), Delay, "connect");
        Send(account, call, CallPayloads.Status(account, call, "RINGING", now), Delay, "status RINGING");
    }

    /// <summary>pre_accept and accept of a user-initiated call; null when done.</summary>
    public GraphError? Answer(SandboxAccount account, SandboxCall call, string action, string sdp)
    {
        var now = time.GetUtcNow();
        lock (call.Gate)
        {
            if (!call.UserInitiated)
                return GraphErrors.InvalidParameter($"Param action {action} applies to user-initiated calls; {call.Id} was initiated by the business.");
            if (call.State is not (CallState.Ringing or CallState.PreAccepted))
            {
                call.Record(now, "graph", action, $"refused: the call is {Describe(call.State)}");
                return CallErrors.NotAnswerable(call.Id, Describe(call.State));
            }
            if (call.PreAcceptAnswer is { } earlier && earlier != sdp)
                return GraphErrors.InvalidParameter("SDP validation error: the accept SDP must be the same as the pre_accept SDP.");
            call.Record(now, "graph", action);
            if (action == "pre_accept")
            {
                call.PreAcceptAnswer = sdp;
                call.State = CallState.PreAccepted;
                return null;
            }
            call.Answer = sdp;
            call.State = CallState.Connected;
            call.ConnectedAt = now;
        }
        permissions.Connected(account.Id, call.User, businessInitiated: false);
        return null;
    }

    public GraphError? Reject(SandboxAccount account, SandboxCall call)
    {
        lock (call.Gate)
        {
            if (!call.UserInitiated)
                return GraphErrors.InvalidParameter($"Param action reject applies to user-initiated calls; {call.Id} was initiated by the business.");
            if (call.State is not (CallState.Ringing or CallState.PreAccepted))
                return CallErrors.NotAnswerable(call.Id, Describe(call.State));
            call.Record(time.GetUtcNow(), "graph", "reject");
        }
        End(account, call, CallState.Rejected, null, null);
        return null;
    }

    /// <summary>The business hangs up (or cancels its ringing call). Meta asks for a terminate even after the user's
    /// RTCP BYE, so one on an ended call succeeds and changes nothing.</summary>
    public GraphError? Terminate(SandboxAccount account, SandboxCall call)
    {
        call.Record(time.GetUtcNow(), "graph", "terminate", call.Active ? null : "the call had already ended");
        End(account, call, CallState.Ended, null, null);
        return null;
    }

    // ── What the WhatsApp user does (the control API) ──

    /// <summary>The user picks up a business call: ACCEPTED (it "typically arrives after the call has been established").</summary>
    public bool UserAnswers(SandboxAccount account, SandboxCall call)
    {
        var now = time.GetUtcNow();
        lock (call.Gate)
        {
            if (call.UserInitiated || call.State != CallState.Ringing || call.Answer is null)
                return false;
            call.State = CallState.Connected;
            call.ConnectedAt = now;
            call.Record(now, "user", "answer");
        }
        permissions.Connected(account.Id, call.User, businessInitiated: true);
        Send(account, call, CallPayloads.Status(account, call, "ACCEPTED", now), Delay, "status ACCEPTED");
        return true;
    }

    public bool UserRejects(SandboxAccount account, SandboxCall call)
    {
        var now = time.GetUtcNow();
        lock (call.Gate)
        {
            if (call.UserInitiated || call.State != CallState.Ringing)
                return false;
            call.Record(now, "user", "reject");
        }
        Send(account, call, CallPayloads.Status(account, call, "REJECTED", now), Delay, "status REJECTED");
        return End(account, call, CallState.Rejected, null, null);
    }

    public bool UserHangsUp(SandboxAccount account, SandboxCall call)
    {
        call.Record(time.GetUtcNow(), "user", "hang up");
        return End(account, call, CallState.Ended, null, null);
    }

    /// <summary>The user's phone stops ringing (a business call nobody picks up) or the accept window closes now.</summary>
    public bool Expire(SandboxAccount account, SandboxCall call, string reason)
    {
        lock (call.Gate)
        {
            if (call.State is not (CallState.Ringing or CallState.PreAccepted))
                return false;
            call.Record(time.GetUtcNow(), "sandbox", "not answered", reason);
        }
        if (!End(account, call, CallState.Ended, null, null))
            return false;
        if (!call.UserInitiated && permissions.Unanswered(account.Id, call.User))
            call.Record(time.GetUtcNow(), "sandbox", "permission revoked", "consecutive unanswered calls");
        return true;
    }

    /// <summary>The call fails on Meta's side (connection, set-up, relay or media timeout): terminate FAILED with the error.</summary>
    public bool Fail(SandboxAccount account, SandboxCall call, int code, string? details)
    {
        call.Record(time.GetUtcNow(), "sandbox", "failure", code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return End(account, call, CallState.Ended, code, CallFailures.Error(code, details));
    }

    private bool End(SandboxAccount account, SandboxCall call, CallState state, int? code, JsonObject? error)
    {
        var now = time.GetUtcNow();
        lock (call.Gate)
        {
            if (!call.Active)
                return false;
            call.State = state;
            call.EndedAt = now;
            call.ErrorCode = code;
            call.Outcome = call.ConnectedAt is not null && error is null ? "COMPLETED" : "FAILED";
        }
        Send(account, call, CallPayloads.Terminate(account, call, now, error), Delay, $"terminate {call.Outcome}");
        SandboxLog.CallEnded(logger, call.Id, account.Id, call.Outcome, code);
        return true;
    }

    private SandboxCall New(SandboxAccount account, string user, string name, string direction, string offer)
    {
        var call = new SandboxCall
        {
            Id = GraphIds.Wacid(user), AccountId = account.Id, User = user, UserName = name, Direction = direction,
            CreatedAt = time.GetUtcNow(), Offer = offer,
        };
        calls.Add(call);
        SandboxLog.CallStarted(logger, call.Id, account.Id, direction);
        return call;
    }

    /// <summary>Schedules a webhook and notes it in the call's timeline when it leaves for the dispatcher.</summary>
    private void Send(SandboxAccount account, SandboxCall call, WebhookItem item, TimeSpan delay, string name) =>
        scheduler.Schedule(item, delay, () => call.Record(time.GetUtcNow(), "webhook", name));

    private static string Describe(CallState state) => state switch
    {
        CallState.Connected => "already connected",
        CallState.Rejected => "rejected",
        CallState.Ended => "terminated",
        _ => "ringing",
    };
}
