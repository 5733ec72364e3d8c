using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Meta;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Mass;

/// <summary>Wakes the campaign loop: a NOTIFY on 'mass' (a campaign paused, stopped or scheduled).</summary>
public sealed class CampaignWakeup : Wakeup;

/// <summary>
/// The mass-send loop, apart from the one-to-one outbox (its own claims, connections and Graph slots, and a rate that
/// leaves <see cref="CampaignOptions.OneToOneReserve"/> of the number's throughput to agents' replies).
/// Every plan interval it asks the database which campaigns run (mass.active_campaigns also starts due ones and
/// completes finished ones) and, per campaign, claims only the recipients its rate allows in the next
/// <see cref="CampaignOptions.PlanAhead"/> — never more than the daily cap and the portfolio's messaging budget left,
/// and it says so in the campaign's planner note. Each claimed recipient gets an evenly spaced slot (the campaign's
/// rate divided by the Workers sharing it), waits for it, and is sent once: the database checks the lease and the
/// campaign's status just before the request (a pause or an auto-stop takes effect on the very next send), marks the
/// send started, and a send whose outcome is unknown waits for Meta's status instead of being repeated.
/// </summary>
public sealed partial class CampaignLoop(
    CampaignStore store,
    GraphClient graph,
    GraphCircuits circuits,
    SecretProtector protector,
    CampaignWakeup wakeup,
    WorkerLoops loops,
    WorkerIdentity identity,
    TimeProvider time,
    IOptions<CampaignOptions> options,
    IOptions<OutboxOptions> outboxOptions,
    IOptions<GraphOptions> graphOptions,
    ILogger<CampaignLoop> logger) : BackgroundService
{
    public const string LoopName = "mass";
    private readonly CampaignOptions _options = options.Value;
    private readonly Backoff _backoff = new(outboxOptions.Value);
    private readonly string _graphHost = new Uri(graphOptions.Value.BaseAddress).Authority;
    private readonly SemaphoreSlim _slots = new(options.Value.MaxParallelSends);
    private readonly ConcurrentDictionary<long, CampaignPacer> _pacers = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private int _workers = 1;
    private DateTimeOffset _workersCheckedAt;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return;
        var status = loops.Register(LoopName);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                status.Iterated(time.GetUtcNow());
                await PlanAsync(status, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                status.Error(ex.Message);
                LogPlanFailed(logger, ex);
            }
            try { await wakeup.WaitAsync(_options.PlanInterval, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
        // Sends in flight finish and are recorded; recipients still waiting for their slot are handed back.
        await Task.WhenAll(_running.Keys);
    }

    private async Task PlanAsync(LoopStatus status, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (now - _workersCheckedAt > TimeSpan.FromSeconds(5))
        {
            _workers = Math.Max(1, await store.LiveWorkersAsync(ct));
            _workersCheckedAt = now;
        }
        // Read before the database counts: a send that starts in between is then counted twice (planning a little
        // less), never by neither (planning past the cap).
        var unstarted = _pacers.ToDictionary(p => p.Key, p => p.Value.Unstarted);
        var unstartedAll = unstarted.Values.Sum();
        var campaigns = await store.ActiveAsync(ct);
        foreach (var gone in _pacers.Keys.Except(campaigns.Select(c => c.CampaignId))) _pacers.TryRemove(gone, out _);
        var claimedTotal = 0;
        foreach (var campaign in campaigns)
        {
            var allowed = campaign.Throughput * (1 - _options.OneToOneReserve);
            var rate = Math.Min(campaign.RatePerSecond, allowed) / _workers;
            var pacer = _pacers.GetOrAdd(campaign.CampaignId, _ => new CampaignPacer(time));
            pacer.SetRate(rate);
            if (campaign.SendsPaused)
            {
                await store.NoteAsync(campaign.CampaignId, "sends_paused: Meta refused the number's token; waiting for a new one", ct);
                continue;
            }
            if (circuits.IsOpen(_graphHost, out _)) continue;
            // Never more waiting in this Worker than two plan-aheads' worth: when sends fall behind their slots (the
            // machine or Meta slow), claiming on would hold recipients whose leases run out before their turn.
            var want = Math.Min(pacer.Room(_options.PlanAhead),
                Math.Max(1, (int)Math.Ceiling(rate * _options.PlanAhead.TotalSeconds * 2)) - pacer.Waiting);
            string? note = null;
            // The database counts sends that started; recipients this Worker claimed whose send has not started yet
            // will count too, so they are spent already (without this, each plan of a capped campaign claimed again
            // what the previous plans' unstarted recipients were about to use, and the cap was overshot by them).
            // The portfolio's budget is shared by every campaign of the business: all of this Worker's are taken off,
            // and what this plan claimed for the campaigns before this one.
            if (campaign.DailyLeft is { } dailyLeft && Math.Max(0, dailyLeft - unstarted.GetValueOrDefault(campaign.CampaignId)) is var daily
                && daily < want)
            {
                want = daily;
                if (daily == 0 && dailyLeft == 0) note = "daily_cap: the campaign's daily cap is reached; it goes on tomorrow";
            }
            if (campaign.BudgetLeft is { } budgetLeft && Math.Max(0, budgetLeft - unstartedAll - claimedTotal) is var budget && budget < want)
            {
                want = budget;
                if (budget == 0 && budgetLeft == 0) note = "messaging_limit: the portfolio's messaging limit is used up for the moving 24 h";
            }
            if (want <= 0)
            {
                if (note is not null) await store.NoteAsync(campaign.CampaignId, note, ct);
                continue;
            }
            var claimed = await store.ClaimAsync(identity.Id, campaign.CampaignId, want, _options.LeaseSeconds, ct);
            claimedTotal += claimed.Count;
            if (claimed.Count == 0 && campaign.HasWindow && await store.WaitingOutsideWindowAsync(campaign.CampaignId, ct))
                note = "send_window: recipients wait for the send window in their time zone";
            else if (note is null && campaign.RatePerSecond > allowed)
                note = FormattableString.Invariant(
                    $"reserve: sending at {allowed:0.#}/s, {_options.OneToOneReserve * 100:0.#}% of the number's {campaign.Throughput:0.#}/s is kept for agents' replies");
            await store.NoteAsync(campaign.CampaignId, note, ct);
            foreach (var recipient in claimed)
            {
                var slot = pacer.Next();
                pacer.Claimed();
                Track(SendAsync(campaign, pacer, recipient, slot, status, ct));
            }
        }
        status.Claimed(now, claimedTotal, null);
    }

    private void Track(Task task)
    {
        _running[task] = 0;
        task.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task SendAsync(ActiveCampaign campaign, CampaignPacer pacer, ClaimedRecipient recipient, TimeSpan delay, LoopStatus status,
        CancellationToken stopping)
    {
        status.Started();
        var unstarted = true;
        void Started()
        {
            if (!unstarted) return;
            unstarted = false;
            pacer.Started();
        }
        try
        {
            try { if (delay > TimeSpan.Zero) await Task.Delay(delay, time, stopping); }
            catch (OperationCanceledException)
            {
                await RecordAsync("select mass.retry_recipient(@id, @worker, null, 0, true)", recipient, new { });
                return;
            }
            await SendCoreAsync(campaign, recipient, status, Started);
        }
        catch (Exception ex)
        {
            // The recipient stays leased until the lease expires, then another claim takes it (in doubt if its send
            // had started): nothing is lost, and the loop goes on.
            status.Error(ex.Message);
            LogUnexpected(logger, recipient.RecipientId, ex);
        }
        finally
        {
            Started(); // never started (in doubt, no token, a failure): no longer about to count either
            pacer.Done();
            status.Finished();
        }
    }

    private async Task SendCoreAsync(ActiveCampaign campaign, ClaimedRecipient recipient, LoopStatus status, Action started)
    {
        if (recipient.InDoubt && !await SettleInDoubtAsync(recipient)) return;
        if (!AccessTokens.TryDecrypt(protector, campaign.AccessTokenEnc, campaign.AccountId, out var token, out var problem))
        {
            await RecordAsync("select mass.fail_recipient(@id, @worker, null, 'Access token unavailable', @problem, 'no_access_token', null)",
                recipient, new { problem });
            return;
        }

        await _slots.WaitAsync();
        GraphSendResult result;
        try
        {
            var start = await store.StartAsync(recipient.RecipientId, identity.Id);
            started();
            switch (start.Outcome)
            {
                case "send": break;
                case "campaign_not_sending" or "number_not_sending":
                    // Paused, stopped or auto-stopped since the claim: handed back unspent, sent when it resumes.
                    await RecordAsync("select mass.retry_recipient(@id, @worker, null, 0, true)", recipient, new { });
                    return;
                default: return; // lost_lease, skipped (opted out), failed (a variable went missing): recorded in SQL
            }
            var message = new OutboundMessage(Channels.WhatsApp, campaign.AccountExternalId, recipient.WaId, "template", null,
                "{\"template\":" + start.Payload + "}", start.MessageId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // The request itself is spaced too: sends that the database held up arrive here together, and would reach
            // Meta as one burst past the number's throughput (130429) if they went at once.
            if (_pacers.TryGetValue(campaign.CampaignId, out var gate) && gate.Release() is { } wait && wait > TimeSpan.Zero)
                await Task.Delay(wait, time);
            result = await graph.SendAsync(message, token, CancellationToken.None);
        }
        finally
        {
            _slots.Release();
        }
        await RecordResultAsync(campaign, recipient, result, status);
    }

    /// <summary>As the outbox's rule: a send that started without an outcome waits out Meta's confirmation window (its
    /// status carries our message id and completes the recipient), and only then is sent again.</summary>
    private async Task<bool> SettleInDoubtAsync(ClaimedRecipient recipient)
    {
        var waited = TimeSpan.FromMilliseconds(recipient.InDoubtAgeMs ?? 0);
        if (waited >= _options.ConfirmationWindow) return true;
        await RecordAsync("select mass.await_recipient_confirmation(@id, @worker, null, @delay, true)", recipient,
            new { delay = (int)(_options.ConfirmationWindow - waited).TotalMilliseconds });
        return false;
    }

    private async Task RecordResultAsync(ActiveCampaign campaign, ClaimedRecipient recipient, GraphSendResult result, LoopStatus status)
    {
        if (result.Succeeded)
        {
            await RecordAsync("select mass.complete_recipient(@id, @worker, @wamid, @messageStatus)", recipient,
                new { wamid = result.ProviderMessageId, messageStatus = result.MessageStatus });
            status.CountSent();
            return;
        }
        var error = result.Error!;
        if (error.Source == MetaErrorSource.CircuitOpen)
        {
            await RecordAsync("select mass.retry_recipient(@id, @worker, @error, @delay, true)", recipient,
                new { error = error.ToString(), delay = (int)(error.RetryAfter ?? TimeSpan.FromSeconds(5)).TotalMilliseconds });
            return;
        }
        if (error.OutcomeUnknown)
        {
            await RecordAsync("select mass.await_recipient_confirmation(@id, @worker, @error, @delay, false)", recipient,
                new { error = error.ToString(), delay = (int)_options.ConfirmationWindow.TotalMilliseconds });
            return;
        }
        switch (error.Code)
        {
            case 190:
                // The token: every send of the number would fail the same way. The number's sends pause until a new
                // token validates (as the outbox does), and this recipient goes back unspent.
                await RecordAsync("select meta.account_needs_attention(@account, @reason, @token)", recipient,
                    new { account = campaign.AccountId, reason = Accounts.AccountReasons.Of("campaign", error), token = campaign.AccessTokenEnc });
                await RecordAsync("select mass.retry_recipient(@id, @worker, @error, 0, true)", recipient, new { error = error.ToString() });
                return;
            case 131048 or 132015 or 132016 or 368 or 131031:
                await RecordAsync("select mass.stop_on_refusal(@id, @worker, @code, @title)", recipient, new { code = error.Code, title = error.Title });
                LogAutoStopped(logger, campaign.CampaignId, error.ToString());
                return;
            case 131049:
                await RecordAsync("select mass.fail_recipient(@id, @worker, @code, @title, @details, 'marketing_limit', @reschedule)", recipient,
                    new
                    {
                        code = error.Code, title = error.Title, details = error.Details,
                        reschedule = (int?)TimeSpan.FromHours(_options.MarketingLimitRetryHours).TotalMilliseconds,
                    });
                return;
            case 131050:
                await RecordAsync("select mass.fail_recipient(@id, @worker, @code, @title, @details, 'opted_out', null)", recipient,
                    new { code = error.Code, title = error.Title, details = error.Details });
                return;
        }
        var decision = MetaErrorClassifier.Classify(error);
        if (decision.Retry == RetryClass.Throughput && _pacers.TryGetValue(campaign.CampaignId, out var pacer))
            pacer.Throttled(Backoff.Minimum(decision.Retry));
        if (decision.IsPermanent || recipient.AttemptCount >= _options.MaxAttempts)
        {
            await RecordAsync("select mass.fail_recipient(@id, @worker, @code, @title, @details, @reason, null)", recipient,
                new { code = error.Code, title = error.Title, details = error.Details, reason = decision.IsPermanent ? decision.Reason : "attempts_exhausted" });
            return;
        }
        var delay = _backoff.Delay(recipient.AttemptCount, decision.Retry, error.RetryAfter);
        // Throttling is Meta's pacing, not the recipient's failure: it costs no attempt.
        var refund = decision.Retry is RetryClass.Throughput or RetryClass.PairRate;
        await RecordAsync("select mass.retry_recipient(@id, @worker, @error, @delay, @refund)", recipient,
            new { error = error.ToString(), delay = (int)delay.TotalMilliseconds, refund });
        status.CountRetried();
    }

    private async Task RecordAsync(string sql, ClaimedRecipient recipient, object extra)
    {
        var args = new Dapper.DynamicParameters(extra);
        args.Add("id", recipient.RecipientId);
        args.Add("worker", identity.Id);
        try
        {
            await store.RecordAsync(sql, args);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // Unrecorded: the lease expires and the next claim finds the recipient (in doubt if its send started).
            LogRecordFailed(logger, recipient.RecipientId, ex);
        }
    }

    [LoggerMessage(600, LogLevel.Warning, "Campaign planning failed; trying again")]
    private static partial void LogPlanFailed(ILogger logger, Exception exception);

    [LoggerMessage(601, LogLevel.Error, "Campaign send of recipient {RecipientId} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, long recipientId, Exception exception);

    [LoggerMessage(602, LogLevel.Warning, "Recording recipient {RecipientId} failed; its lease will expire")]
    private static partial void LogRecordFailed(ILogger logger, long recipientId, Exception exception);

    [LoggerMessage(603, LogLevel.Warning, "Campaign {CampaignId} stopped itself: {Error}")]
    private static partial void LogAutoStopped(ILogger logger, long campaignId, string error);
}

/// <summary>
/// Even spacing at a campaign's rate: each claimed recipient gets the next slot (1/rate after the previous one), so the
/// rate holds over any minute however the claims fall; <see cref="Room"/> is how many slots fit in the plan-ahead.
/// A 130429 from Meta slows the campaign down (<see cref="Throttled"/>). Thread-safe.
/// </summary>
public sealed class CampaignPacer(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly long _start = time.GetTimestamp();
    private double _rate = 1;
    private TimeSpan _next;
    private int _waiting;
    private readonly Pacing.RefusalWindow _refusals = new();
    private TimeSpan _released;

    private int _unstarted;

    /// <summary>Recipients claimed by this Worker whose send has not finished.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Recipients claimed by this Worker whose send has not started: the database does not count them against
    /// the daily cap or the messaging limit yet.</summary>
    public int Unstarted => Volatile.Read(ref _unstarted);

    public void Claimed()
    {
        Interlocked.Increment(ref _waiting);
        Interlocked.Increment(ref _unstarted);
    }

    /// <summary>The recipient's send started (or will not: handed back, skipped, failed). Once per claim.</summary>
    public void Started() => Interlocked.Decrement(ref _unstarted);

    public void Done() => Interlocked.Decrement(ref _waiting);

    public void SetRate(double rate)
    {
        lock (_lock) _rate = Math.Max(0.001, rate);
    }

    private TimeSpan Now => time.GetElapsedTime(_start);

    /// <summary>Slots between now and now + ahead not yet handed out.</summary>
    public int Room(TimeSpan ahead)
    {
        lock (_lock)
        {
            var now = Now;
            var from = _next > now ? _next : now;
            // Slots starting before now + ahead: rounded up, or a campaign slower than one send per plan-ahead (0.5/s
            // with the default second) would never find a whole slot and never send.
            var span = (now + ahead - from).TotalSeconds;
            return span <= 0 ? 0 : (int)Math.Ceiling(span * _rate - 0.001); // a thousandth of a slot: tick rounding of 1/rate
        }
    }

    /// <summary>The wait until the next slot, which is taken.</summary>
    public TimeSpan Next()
    {
        lock (_lock)
        {
            var now = Now;
            if (_next < now) _next = now;
            var wait = _next - now;
            _next += TimeSpan.FromSeconds(1 / _rate);
            return wait;
        }
    }

    /// <summary>Slots are spaced when recipients are claimed, but the database work between a slot and its Graph request
    /// takes from a few to a few hundred milliseconds: sends it held up would leave together with the ones due after them,
    /// a burst Meta counts against the number's throughput in its sliding second. So requests are spaced too, right
    /// before they go: at most <see cref="ReleaseBurst"/> at once, then one every 1/(rate × <see cref="CatchUp"/>) —
    /// a little faster than the slots, so sends that fell behind catch up (a 300 ms stall in about 10 s) instead of
    /// being lost to the minute's rate, and never faster than the number's share plus the replies' reserve. Returns the
    /// wait before this request, whose turn is taken.</summary>
    public TimeSpan Release()
    {
        lock (_lock)
        {
            var now = Now;
            var interval = TimeSpan.FromSeconds(1 / (_rate * CatchUp));
            var turn = _released > now ? _released : now;
            _released = turn + interval;
            var wait = turn - interval * (ReleaseBurst - 1) - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
    }

    /// <summary>Requests let through at once before <see cref="Release"/> spaces them.</summary>
    public const int ReleaseBurst = 2;

    /// <summary>How much faster than the campaign's rate requests may go while catching up (72/s: 74.2/s, under the
    /// 80/s of a standard number with the replies' 5/s).</summary>
    public const double CatchUp = 1.03;

    /// <summary>Meta refused a send with 130429: a lone refusal costs only its own slot (the recipient retries later),
    /// sustained refusals push the next slot <paramref name="pause"/> away (<see cref="RefusalWindow"/>).</summary>
    public void Throttled(TimeSpan pause)
    {
        lock (_lock)
        {
            var now = Now;
            if (!_refusals.Sustained(now, _rate)) return;
            var until = now + pause;
            if (_next < until) _next = until;
        }
    }
}
