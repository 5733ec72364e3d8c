using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Meta;
using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Pacing;

/// <summary>Hold for <see cref="Wait"/> then send (Granted), or release the row and retry after <see cref="Wait"/>.</summary>
public readonly record struct PacingDecision(bool Granted, TimeSpan Wait);

/// <summary>
/// Paces sends per account (the number's throughput) and, on WhatsApp, per recipient (the pair rate, 131056).
/// A send reserves a token in both buckets at once; the wait is the later of the two turns. An account's throughput
/// (meta.accounts.messages_per_second, else Pacing:Accounts, else the default) is shared by the Workers alive on the
/// outbox: each paces at its share (<see cref="SetWorkerCount"/>, from the heartbeats). Claims spread rows evenly
/// between Workers, so the shares add up to the number's rate without a database round trip per send. The pair
/// rate stays per process: messages to one customer rarely run on two Workers at once, and a 131056 answer pauses
/// that pair (<see cref="Throttled"/>).
/// </summary>
public sealed class SendPacer
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);
    private readonly PacingOptions _options;
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly Lock _lock = new();
    private readonly Dictionary<long, TokenBucket> _accounts = [];
    private readonly Dictionary<long, RefusalWindow> _refusals = [];
    private readonly Dictionary<(long Account, string Recipient), TokenBucket> _recipients = [];
    private TimeSpan _lastSweep;
    private int _workers = 1;

    public SendPacer(IOptions<PacingOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _start = time.GetTimestamp();
    }

    public int TrackedRecipients { get { lock (_lock) return _recipients.Count; } }

    /// <summary>Workers currently sharing the outbox (this one included); the account rates are divided by it.</summary>
    public int WorkerCount { get { lock (_lock) return _workers; } }

    public void SetWorkerCount(int workers)
    {
        lock (_lock) _workers = Math.Max(1, workers);
    }

    /// <summary>This Worker's share of the account's throughput, in messages per second.</summary>
    public double ShareOf(string accountExternalId, double? accountRate)
    {
        lock (_lock) return ShareOfLocked(accountExternalId, accountRate);
    }

    public PacingDecision Reserve(long accountId, string accountExternalId, double? accountRate, string channel, string recipient)
    {
        if (!_options.Enabled) return new(true, TimeSpan.Zero);
        var now = Now();
        lock (_lock)
        {
            Sweep(now);
            var account = AccountBucket(accountId, ShareOfLocked(accountExternalId, accountRate), now);
            var pair = channel == Channels.WhatsApp ? RecipientBucket(accountId, recipient, now) : null;
            var wait = account.TimeUntilAvailable(now);
            if (pair?.TimeUntilAvailable(now) is { } pairWait && pairWait > wait) wait = pairWait;
            if (wait > _options.MaxHold) return new(false, wait);
            account.Take(now);
            pair?.Take(now);
            return new(true, wait);
        }
    }

    /// <summary>Meta throttled us anyway (another Worker, another app on the number, a lower tier than configured):
    /// hold the pair back, or the account once its refusals are sustained (<see cref="RefusalWindow"/>: a lone 130429
    /// is a burst, and holding every reply of the number a second for it is what made replies wait during a
    /// campaign), so the next sends do not hit the same wall.</summary>
    public void Throttled(long accountId, string recipient, RetryClass cause, TimeSpan pause)
    {
        if (!_options.Enabled) return;
        var now = Now();
        lock (_lock)
        {
            if (cause == RetryClass.Throughput && _accounts.TryGetValue(accountId, out var account))
            {
                if (!_refusals.TryGetValue(accountId, out var refusals)) _refusals[accountId] = refusals = new RefusalWindow();
                if (refusals.Sustained(now, account.RatePerSecond)) account.PauseFor(pause, now);
            }
            else if (cause == RetryClass.PairRate && _recipients.TryGetValue((accountId, recipient), out var pair))
                pair.PauseFor(pause, now);
        }
    }

    private TimeSpan Now() => _time.GetElapsedTime(_start);

    private double ShareOfLocked(string accountExternalId, double? accountRate) =>
        (accountRate is > 0 ? accountRate.Value : _options.RateFor(accountExternalId)) / _workers;

    private TokenBucket AccountBucket(long accountId, double rate, TimeSpan now)
    {
        // One second's worth of burst: a quiet number may send a batch at once, then settles at its rate.
        if (!_accounts.TryGetValue(accountId, out var bucket))
            _accounts[accountId] = bucket = new TokenBucket(rate, Math.Max(1, rate), now);
        else if (bucket.RatePerSecond != rate)
            bucket.Resize(rate, Math.Max(1, rate), now);
        return bucket;
    }

    private TokenBucket RecipientBucket(long accountId, string recipient, TimeSpan now)
    {
        if (!_recipients.TryGetValue((accountId, recipient), out var bucket))
            _recipients[(accountId, recipient)] = bucket =
                new TokenBucket(1 / _options.RecipientIntervalSeconds, _options.RecipientBurst, now);
        return bucket;
    }

    /// <summary>A full bucket holds no history, so forgetting it changes nothing; this bounds memory to the
    /// recipients messaged in the last few minutes.</summary>
    private void Sweep(TimeSpan now)
    {
        if (now - _lastSweep < SweepInterval) return;
        _lastSweep = now;
        foreach (var (key, bucket) in _recipients)
            if (bucket.IsFull(now)) _recipients.Remove(key);
    }
}
