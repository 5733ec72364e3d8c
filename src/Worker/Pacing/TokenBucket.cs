namespace MultichannelMessages.Worker.Pacing;

/// <summary>
/// A token bucket that lends: taking a token when none is left puts the bucket in debt, so the next caller is told
/// to wait longer. That makes it a reservation queue: callers learn their turn at once and wait for it, in order.
/// Times are offsets on one monotonic clock (see <see cref="SendPacer"/>). Not thread-safe: the pacer locks.
/// </summary>
public sealed class TokenBucket(double ratePerSecond, double capacity, TimeSpan now)
{
    private double _rate = ratePerSecond;
    private double _capacity = capacity;
    private double _tokens = capacity;
    private TimeSpan _updatedAt = now;

    public double RatePerSecond => _rate;

    /// <summary>A new rate and capacity from now on (the account was upgraded, or the Workers sharing it changed);
    /// tokens already earned are kept up to the new capacity, and a debt stays a debt.</summary>
    public void Resize(double rate, double capacity, TimeSpan now)
    {
        Refill(now);
        _rate = rate;
        _capacity = capacity;
        _tokens = Math.Min(_tokens, capacity);
    }

    /// <summary>How long until a token is free (zero when one is free now).</summary>
    public TimeSpan TimeUntilAvailable(TimeSpan now)
    {
        Refill(now);
        return _tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / _rate);
    }

    /// <summary>Takes one token, borrowing if none is free.</summary>
    public void Take(TimeSpan now)
    {
        Refill(now);
        _tokens -= 1;
    }

    /// <summary>Meta said we went too fast: no token before <paramref name="duration"/> from now.</summary>
    public void PauseFor(TimeSpan duration, TimeSpan now)
    {
        Refill(now);
        _tokens = Math.Min(_tokens, 1 - duration.TotalSeconds * _rate);
    }

    /// <summary>Full: as if never used, so it can be forgotten.</summary>
    public bool IsFull(TimeSpan now)
    {
        Refill(now);
        return _tokens >= _capacity;
    }

    private void Refill(TimeSpan now)
    {
        if (now <= _updatedAt) return;
        _tokens = Math.Min(_capacity, _tokens + (now - _updatedAt).TotalSeconds * _rate);
        _updatedAt = now;
    }
}
