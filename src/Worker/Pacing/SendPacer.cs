using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Meta;
using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Pacing;

/// <summary>Hold for <see cref="Wait"/> then send (Granted), or release the row and retry after <see cref="Wait"/>.</summary>
public readonly record struct PacingDecision(bool Granted, TimeSpan Wait);

/// <summary>
/// Paces sends per account (the number's throughput) and, on WhatsApp, per recipient (the pair rate, 131056).
/// A send reserves a token in both buckets at once; the wait is the later of the two turns. The limits are this
/// process's: Workers sharing one number should split its throughput between them (Pacing:Accounts).
/// </summary>
public sealed class SendPacer
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);
    private readonly PacingOptions _options;
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly Lock _lock = new();
    private readonly Dictionary<long, TokenBucket> _accounts = [];
    private readonly Dictionary<(long Account, string Recipient), TokenBucket> _recipients = [];
    private TimeSpan _lastSweep;

    public SendPacer(IOptions<PacingOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _start = time.GetTimestamp();
    }

    public int TrackedRecipients { get { lock (_lock) return _recipients.Count; } }

    public PacingDecision Reserve(long accountId, string accountExternalId, string channel, string recipient)
    {
        if (!_options.Enabled) return new(true, TimeSpan.Zero);
        var now = Now();
        lock (_lock)
        {
            Sweep(now);
            var account = AccountBucket(accountId, accountExternalId, now);
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
    /// hold the account or the pair back so the next sends do not hit the same wall.</summary>
    public void Throttled(long accountId, string recipient, RetryClass cause, TimeSpan pause)
    {
        if (!_options.Enabled) return;
        var now = Now();
        lock (_lock)
        {
            if (cause == RetryClass.Throughput && _accounts.TryGetValue(accountId, out var account))
                account.PauseFor(pause, now);
            else if (cause == RetryClass.PairRate && _recipients.TryGetValue((accountId, recipient), out var pair))
                pair.PauseFor(pause, now);
        }
    }

    private TimeSpan Now() => _time.GetElapsedTime(_start);

    private TokenBucket AccountBucket(long accountId, string externalId, TimeSpan now)
    {
        if (!_accounts.TryGetValue(accountId, out var bucket))
        {
            var rate = _options.RateFor(externalId);
            // One second's worth of burst: a quiet number may send a batch at once, then settles at its rate.
            _accounts[accountId] = bucket = new TokenBucket(rate, Math.Max(1, rate), now);
        }
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
