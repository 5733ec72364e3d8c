using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Outbox;

namespace MultichannelMessages.Worker.Calls;

/// <summary>What became of one claimed action, for the heartbeat's counters.</summary>
public enum CallActionOutcome { Done, Retried, Failed, LeaseLost }

/// <summary>
/// Works one claimed call action: decrypts the number's token in memory (never logged), makes the Graph request(s),
/// writes every request and Meta's answer to the call's audit trail, and records the outcome through the lease-checked
/// functions of 472_calls_actions.sql. The signalling (accept, connect, reject, terminate) is in
/// CallActionRunner.Signalling.cs, the number's settings and the permission lookups in CallActionRunner.Account.cs.
/// </summary>
public sealed partial class CallActionRunner(
    CallGraphClient graph,
    CallActionStore store,
    SecretProtector protector,
    TimeProvider time,
    IOptions<CallActionOptions> options,
    IOptions<GraphOptions> graphOptions,
    ILogger<CallActionRunner> logger)
{
    private readonly CallActionOptions _options = options.Value;
    private readonly TimeSpan _graphTimeout = graphOptions.Value.Timeout;

    public async Task<CallActionOutcome> RunAsync(CallAction a, CancellationToken ct)
    {
        if (!AccessTokens.TryDecrypt(protector, a.AccessTokenEnc, a.AccountId, out var token, out var problem))
            return await NoTokenAsync(a, problem ?? "no access token", ct);
        return a.Kind switch
        {
            "accept" => await AcceptAsync(a, token, preAcceptOnly: false, ct),
            "pre_accept" => await AcceptAsync(a, token, preAcceptOnly: true, ct),
            "connect" => await ConnectAsync(a, token, ct),
            "reject" or "terminate" => await HangUpAsync(a, token, ct),
            "settings" => await PushSettingsAsync(a, token, ct),
            "permission_lookup" => await LookUpPermissionAsync(a, token, ct),
            _ => Lease(await store.FinishAsync(a, false, $"unknown action kind {a.Kind}", null, ct), CallActionOutcome.Failed),
        };
    }

    /// <summary>The number cannot call Meta: an accept or connect ends its call failed with the reason (the person
    /// sees it); any other action fails with it.</summary>
    private async Task<CallActionOutcome> NoTokenAsync(CallAction a, string problem, CancellationToken ct)
    {
        CallLog.NoToken(logger, a.ActionId, a.AccountId, problem);
        if (a.Kind is "accept" or "connect" && a.CallId is not null && !a.CallEnded)
            return Lease(await store.RefusedAsync(a, new CallRefusal("platform", null, "no_access_token", problem, "no_access_token: " + problem,
                Terminate: false), null, ct), CallActionOutcome.Failed);
        return Lease(await store.FinishAsync(a, false, "no_access_token: " + problem, null, ct), CallActionOutcome.Failed);
    }

    /// <summary>Nothing to ask Meta (the call ended before its accept or connect went out, or Meta never had it).</summary>
    private async Task<CallActionOutcome> SkipAsync(CallAction a, string why, CancellationToken ct)
    {
        if (a.CallId is { } callId)
            await store.LogAsync(callId, "platform", a.Kind + "_skipped", new JsonObject { ["reason"] = why }, ct);
        return Lease(await store.FinishAsync(a, true, null, new JsonObject { ["skipped"] = why }, ct), CallActionOutcome.Done);
    }

    /// <summary>One Graph request of a call, written to its audit trail with Meta's answer.</summary>
    private async Task<CallGraphResult> SignalAsync(CallAction a, JsonObject body, string token, TimeSpan? timeout, CancellationToken ct)
    {
        var result = await graph.CallAsync(a.PhoneNumberId, body, token, timeout, ct);
        if (a.CallId is { } callId)
            await store.LogAsync(callId, "graph", (string)body["action"]!, result.Log, ct);
        return result;
    }

    /// <summary>A transient failure of a terminate, reject, settings push or lookup: retried with backoff up to
    /// MaxAttempts; then (or for a permanent one) null, and the caller records the failure.</summary>
    private async Task<CallActionOutcome?> RetryOrGiveUpAsync(CallAction a, MetaError error, JsonNode? progress, CancellationToken ct)
    {
        var decision = MetaErrorClassifier.Classify(error);
        if (decision.IsPermanent || a.AttemptCount >= _options.MaxAttempts) return null;
        var delay = RetryDelay(a.AttemptCount, Backoff.Minimum(decision.Retry), error.RetryAfter);
        CallLog.Retrying(logger, a.ActionId, a.Kind, error.ToString(), (int)delay.TotalMilliseconds);
        return Lease(await store.RetryAsync(a, error.ToString(), delay, progress, ct), CallActionOutcome.Retried);
    }

    /// <summary>Exponential from the base, capped, never under the cause's floor or Meta's Retry-After.</summary>
    public TimeSpan RetryDelay(int attempt, TimeSpan floor, TimeSpan? retryAfter)
    {
        var exponential = Math.Min(_options.RetryMaxDelayMs, _options.RetryBaseDelayMs * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30)));
        return TimeSpan.FromMilliseconds(Math.Max(exponential, Math.Max(floor.TotalMilliseconds, retryAfter?.TotalMilliseconds ?? 0)));
    }

    private CallActionOutcome Lease(bool held, CallActionOutcome outcome)
    {
        if (held) return outcome;
        CallLog.LeaseLost(logger);
        return CallActionOutcome.LeaseLost;
    }

    private DateTimeOffset Now => time.GetUtcNow();

    private static DateTimeOffset Utc(DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));
}

internal static partial class CallLog
{
    [LoggerMessage(800, LogLevel.Information, "Call {CallId}: {Action} done at Meta (action {ActionId})")]
    public static partial void Done(ILogger logger, long? callId, string action, long actionId);

    [LoggerMessage(801, LogLevel.Warning, "Call {CallId}: {Action} refused: {Error} (action {ActionId})")]
    public static partial void Refused(ILogger logger, long? callId, string action, string error, long actionId);

    [LoggerMessage(802, LogLevel.Information, "Call action {ActionId} ({Action}): {Error}; retrying in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, long actionId, string action, string error, int delayMs);

    [LoggerMessage(803, LogLevel.Warning, "Call action {ActionId}: account {AccountId} cannot call Meta: {Problem}")]
    public static partial void NoToken(ILogger logger, long actionId, long accountId, string problem);

    [LoggerMessage(804, LogLevel.Warning, "A call action's lease was lost to another Worker before its outcome was written")]
    public static partial void LeaseLost(ILogger logger);

    [LoggerMessage(805, LogLevel.Information, "Calling settings of account {AccountId} (version {Version}): {State} {Error}")]
    public static partial void SettingsPushed(ILogger logger, long accountId, int version, string state, string error);

    [LoggerMessage(806, LogLevel.Error, "Call action {ActionId} failed unexpectedly; its lease expires and it is tried again")]
    public static partial void Unexpected(ILogger logger, long actionId, Exception exception);
}
