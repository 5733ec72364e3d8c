using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Meta;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Media;
using MultichannelMessages.Worker.Pacing;

namespace MultichannelMessages.Worker.Outbox;

/// <summary>
/// Sends one claimed row and records the outcome: complete (Meta's id), retry later (transient, with backoff), or
/// fail with Meta's code and title (permanent, or attempts exhausted → dead letter).
/// Three rules keep a message from going out twice: a request starts only while the lease outlasts the Graph timeout
/// (so no other Worker can claim the row while it is in flight) and after the row is marked as being sent; a request
/// once started is never cancelled by shutdown (its result is recorded); and a row whose previous send started without
/// an outcome is resent only once Meta's own statuses have had time to confirm it (see <see cref="SettleInDoubtAsync"/>).
/// </summary>
public sealed class OutboxSender
{
    private static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(2);
    private readonly GraphClient _graph;
    private readonly GraphCircuits _circuits;
    private readonly string _graphHost;
    private readonly SendPacer _pacer;
    private readonly SecretProtector _protector;
    private readonly OutboxMetrics _metrics;
    private readonly OutboxRecorder _recorder;
    private readonly OutboundMedia _media;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _lease;
    private readonly OutboxOptions _outbox;
    private readonly TimeSpan _requestBudget;
    private readonly SemaphoreSlim _slots;

    public OutboxSender(GraphClient graph, GraphCircuits circuits, SendPacer pacer, SecretProtector protector, OutboxMetrics metrics,
        OutboxRecorder recorder, OutboundMedia media, TimeProvider time, IOptions<OutboxOptions> outbox, IOptions<GraphOptions> graphOptions,
        ILogger<OutboxSender> logger)
    {
        (_graph, _circuits, _pacer, _protector, _metrics, _recorder, _media, _time, _logger) =
            (graph, circuits, pacer, protector, metrics, recorder, media, time, logger);
        _graphHost = new Uri(graphOptions.Value.BaseAddress).Authority;
        _outbox = outbox.Value;
        _lease = outbox.Value.Lease;
        _requestBudget = graphOptions.Value.Timeout + LeaseMargin;
        _slots = new SemaphoreSlim(outbox.Value.MaxParallelSends);
    }

    public async Task ProcessAsync(OutboxItem item, LoopStatus status, CancellationToken stopping)
    {
        status.Started();
        try
        {
            await ProcessCoreAsync(item, status, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Not sent yet: hand it back now rather than let it wait for the lease to expire.
            await _recorder.DeferAsync(item, status, "shutdown", TimeSpan.Zero);
        }
        catch (Exception ex)
        {
            // The row stays leased until its lease expires, then another attempt takes it (in doubt if its send
            // had started): nothing is lost, and the pump goes on.
            OutboxLog.Unexpected(_logger, item.OutboxId, item.MessageId, ex);
            status.Error(ex.Message);
        }
        finally
        {
            status.Finished();
        }
    }

    private async Task ProcessCoreAsync(OutboxItem item, LoopStatus status, CancellationToken stopping)
    {
        // Meta's host is failing (its breaker is open): hand the row back until the break ends, without an attempt.
        if (_circuits.IsOpen(_graphHost, out var paused))
        {
            await _recorder.DeferAsync(item, status, "graph_circuit_open", paused);
            return;
        }
        if (item.InDoubt && !await SettleInDoubtAsync(item, status)) return;
        if (!AccessTokens.TryDecrypt(_protector, item.AccessTokenEnc, item.AccountId, out var token, out var problem))
        {
            await _recorder.FailAsync(item, status, null, "Access token unavailable", problem, "no_access_token: " + problem);
            return;
        }

        var message = item.ToMessage();
        if (OutboundMedia.Applies(item))
        {
            // The upload is not a send (nothing reaches the customer), so it runs before the in-doubt marker, and
            // within what the lease leaves after room for the send itself.
            var budget = _lease - _time.GetElapsedTime(item.ClaimStartedAt) - _requestBudget;
            if (budget <= TimeSpan.Zero)
            {
                await _recorder.DeferAsync(item, status, "lease_budget", TimeSpan.Zero);
                return;
            }
            var (prepared, error) = await _media.PrepareAsync(item, token, budget, stopping);
            if (prepared is null)
            {
                await _recorder.RecordAsync(item, status, GraphSendResult.Failed(error!));
                return;
            }
            message = prepared;
        }

        var turn = _pacer.Reserve(item.AccountId, item.AccountExternalId, item.MessagesPerSecond, item.Channel, item.Recipient);
        if (!turn.Granted)
        {
            await _recorder.DeferAsync(item, status, "paced", turn.Wait);
            return;
        }
        if (turn.Wait > TimeSpan.Zero) await Task.Delay(turn.Wait, _time, stopping);

        await _slots.WaitAsync(stopping);
        GraphSendResult result;
        try
        {
            if (_lease - _time.GetElapsedTime(item.ClaimStartedAt) < _requestBudget)
            {
                await _recorder.DeferAsync(item, status, "lease_budget", TimeSpan.Zero);
                return;
            }
            if (!await _recorder.TryStartSendAsync(item, status)) return;
            _metrics.ClaimToRequest(_time.GetElapsedTime(item.ClaimedAt));
            var started = _time.GetTimestamp();
            result = await _graph.SendAsync(message, token, CancellationToken.None);
            _metrics.Request(item.Channel, result.Succeeded, _time.GetElapsedTime(started));
        }
        finally
        {
            _slots.Release();
        }
        await _recorder.RecordAsync(item, status, result);
    }

    /// <summary>
    /// A row whose previous send started and never recorded its outcome: Meta may have the message, and has no
    /// idempotency key. On WhatsApp its status webhook carries our message id and confirms it (completing the row,
    /// see chat.ingest_staged_statuses), so the row waits out the confirmation window; still unconfirmed after it,
    /// Meta never took it and it is sent again (unless configured not to). Messenger and Instagram statuses cannot
    /// confirm a send: the message fails as in doubt, and the agent sees why and can send it again knowingly.
    /// True: go on and send.
    /// </summary>
    private async Task<bool> SettleInDoubtAsync(OutboxItem item, LoopStatus status)
    {
        if (item.Channel == Channels.WhatsApp)
        {
            var waited = TimeSpan.FromMilliseconds(item.InDoubtAgeMs ?? 0);
            if (waited < _outbox.ConfirmationWindow)
            {
                await _recorder.AwaitConfirmationAsync(item, status, null, _outbox.ConfirmationWindow - waited, refundAttempt: true);
                return false;
            }
            if (_outbox.ResendUnconfirmed)
            {
                OutboxLog.ResendingUnconfirmed(_logger, item.MessageId, item.OutboxId);
                return true;
            }
        }
        await _recorder.FailAsync(item, status, null, "Send outcome unknown",
            "The send was interrupted before Meta's answer was recorded, and no status confirmed it; it may or may not have been delivered.",
            "in_doubt: a previous send attempt was interrupted before its outcome was recorded; not resent to avoid a duplicate");
        return false;
    }
}
