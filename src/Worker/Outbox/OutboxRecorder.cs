using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Meta;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Pacing;
using Npgsql;

namespace MultichannelMessages.Worker.Outbox;

/// <summary>
/// Writes what happened to a claimed row: complete, retry with backoff, fail (dead letter), or defer unsent.
/// A write that fails is tried again while the lease lasts: losing a "sent" would let the row expire and be sent
/// a second time by whoever claims it next.
/// </summary>
public sealed class OutboxRecorder(
    NpgsqlDataSource db,
    OutboxWriteQueue writes,
    SendPacer pacer,
    OutboxMetrics metrics,
    WorkerIdentity identity,
    TimeProvider time,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRecorder> logger)
{
    private static readonly TimeSpan[] WriteRetryDelays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)];
    private readonly OutboxOptions _options = options.Value;
    private readonly Backoff _backoff = new(options.Value);

    public async Task RecordAsync(OutboxItem item, LoopStatus status, GraphSendResult result)
    {
        if (result.ProviderMessageId is { } providerId)
        {
            if (await WriteAsync(item, providerId, new CompleteSend(item.OutboxId, identity.Id, providerId)))
            {
                metrics.Sent(item.Channel);
                status.CountSent();
                OutboxLog.Sent(logger, item.MessageId, providerId);
            }
            else LeaseLost(item, status, "sent as " + providerId);
            return;
        }

        var error = result.Error!;
        if (error.Code == 190)
        {
            // Meta refused the account's token (expired, invalidated): every send of the account would fail the same
            // way. The account needs attention and its sends pause (the claim skips them) instead of being dead-lettered
            // one by one; this row goes back unspent and is sent, once, when a new token validates.
            await PauseAccountAsync(item, error);
            await DeferAsync(item, status, "account_paused", TimeSpan.Zero);
            return;
        }
        if (error.Source == MetaErrorSource.CircuitOpen)
        {
            // The breaker opened while this row waited for its turn: the request never left, so it costs no attempt.
            await DeferAsync(item, status, "graph_circuit_open", error.RetryAfter ?? TimeSpan.Zero);
            return;
        }
        if (error.OutcomeUnknown && item.Channel == Channels.WhatsApp)
        {
            // Meta may have the message: a retry now could deliver it twice. Its status webhook (carrying our message
            // id) will confirm it if so; the row comes back after the window only if none did.
            await AwaitConfirmationAsync(item, status, error.ToString(), _options.ConfirmationWindow, refundAttempt: false);
            return;
        }
        var decision = MetaErrorClassifier.Classify(error);
        if (decision.IsPermanent)
        {
            await FailAsync(item, status, error.Code, error.Title, error.Details, $"permanent: {decision.Reason}: {error}");
            return;
        }
        if (item.AttemptCount >= _options.MaxAttempts)
        {
            await FailAsync(item, status, error.Code, error.Title, error.Details, $"attempts_exhausted: {error}");
            return;
        }

        var delay = _backoff.Delay(item.AttemptCount, decision.Retry, error.RetryAfter);
        if (decision.Retry is RetryClass.Throughput or RetryClass.PairRate)
            pacer.Throttled(item.AccountId, item.Recipient, decision.Retry, Backoff.Minimum(decision.Retry));
        if (await WriteAsync(item, null, new RetrySend(item.OutboxId, identity.Id, error.ToString(), delay)))
        {
            metrics.Retried(decision.Reason);
            status.CountRetried();
            status.Error(error.ToString());
            OutboxLog.Retrying(logger, item.MessageId, item.OutboxId, item.AttemptCount, error.ToString(), (long)delay.TotalMilliseconds);
        }
        else LeaseLost(item, status, "retry");
    }

    private async Task PauseAccountAsync(OutboxItem item, MetaError error)
    {
        var reason = Accounts.AccountReasons.Of("sending", error);
        try
        {
            await using var connection = await db.OpenConnectionAsync();
            await Dapper.SqlMapper.ExecuteAsync(connection, "select meta.account_needs_attention(@id, @reason, @token)",
                new { id = item.AccountId, reason, token = item.AccessTokenEnc });
            Accounts.AccountLog.TokenRefused(logger, item.AccountId, error.ToString());
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // The row is deferred anyway; the next send of the account meets the same 190 and tries again.
            OutboxLog.RecordFailed(logger, item.OutboxId, item.MessageId, null, 1, ex);
        }
    }

    public async Task FailAsync(OutboxItem item, LoopStatus status, int? code, string? title, string? details, string reason)
    {
        if (await WriteAsync(item, null, new FailSend(item.OutboxId, identity.Id, code, title, details, reason)))
        {
            metrics.Failed(reason.Split(':', 2)[0]);
            metrics.DeadLettered();
            status.CountFailed();
            status.CountDeadLettered();
            OutboxLog.Failed(logger, item.MessageId, item.ProjectId, item.OutboxId, reason);
        }
        else LeaseLost(item, status, "failed: " + reason);
    }

    /// <summary>Marks the send as under way right before the request; false (do not send) when the lease is gone.</summary>
    public async Task<bool> TryStartSendAsync(OutboxItem item, LoopStatus status)
    {
        if (await WriteAsync(item, null, new StartSend(item.OutboxId, identity.Id))) return true;
        LeaseLost(item, status, "not sent");
        return false;
    }

    /// <summary>Releases an in-doubt row, kept marked as sent-started, until Meta's status confirms it or
    /// <paramref name="wait"/> passes.</summary>
    public async Task AwaitConfirmationAsync(OutboxItem item, LoopStatus status, string? error, TimeSpan wait, bool refundAttempt)
    {
        if (await WriteAsync(item, null, new AwaitConfirmation(item.OutboxId, identity.Id, error, wait, refundAttempt)))
        {
            metrics.AwaitingConfirmation();
            status.CountDeferred();
            OutboxLog.AwaitingConfirmation(logger, item.MessageId, item.OutboxId, error ?? "in doubt", (long)wait.TotalMilliseconds);
        }
        else LeaseLost(item, status, "awaiting confirmation");
    }

    /// <summary>Hands the row back unsent (pacing turn too far off, lease too short for a request, shutdown).</summary>
    public async Task DeferAsync(OutboxItem item, LoopStatus status, string why, TimeSpan delay)
    {
        if (await WriteAsync(item, null, new DeferSend(item.OutboxId, identity.Id, delay)))
        {
            metrics.Deferred(why);
            status.CountDeferred();
        }
    }

    private void LeaseLost(OutboxItem item, LoopStatus status, string outcome)
    {
        metrics.LeaseLost();
        status.CountLeaseLost();
        OutboxLog.LeaseLost(logger, item.OutboxId, item.MessageId, outcome);
    }

    /// <summary>False when the lease was lost (or the database stayed unreachable until it ran out).</summary>
    private async Task<bool> WriteAsync(OutboxItem item, string? providerId, OutboxWrite write)
    {
        for (var attempt = 0; ; attempt++)
        {
            try { return await writes.WriteAsync(write); }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                OutboxLog.RecordFailed(logger, item.OutboxId, item.MessageId, providerId, attempt + 1, ex);
                var leaseLeft = _options.Lease - time.GetElapsedTime(item.ClaimStartedAt);
                if (attempt >= WriteRetryDelays.Length || leaseLeft < WriteRetryDelays[attempt]) return false;
                await Task.Delay(WriteRetryDelays[attempt], time);
            }
        }
    }
}
