using System.Collections.Concurrent;

namespace MultichannelMessages.Worker.Heartbeats;

/// <summary>
/// What one loop tells the heartbeat about itself. The loop writes (lock-free counters and timestamps); the
/// heartbeat reads a snapshot. A loop that stops iterating shows a stale <c>iterated_at</c> even though the
/// heartbeat itself goes on beating: liveness is per loop, not per process.
/// </summary>
public sealed class LoopStatus(string name, DateTimeOffset registeredAt)
{
    private long _iteratedAt;
    private long _idleUntil;
    private long _lastClaimAt;
    private long _lastClaimCount;
    private long _queueLagMs = -1;
    private long _sent, _retried, _failed, _deadLettered, _deferred, _leaseLost, _inFlight;
    private volatile string? _lastError;

    public string Name => name;
    public DateTimeOffset? IteratedAt => Read(ref _iteratedAt);
    /// <summary>Until when the loop sleeps on purpose between passes (a scheduled job with an interval longer than the
    /// staleness window); null when it never said.</summary>
    public DateTimeOffset? IdleUntil => Read(ref _idleUntil);
    public long Sent => Interlocked.Read(ref _sent);
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Stale when it has not iterated within <paramref name="staleAfter"/> (counted from registration
    /// until its first iteration) of its last pass or of the end of the sleep it announced, whichever is later: a
    /// retention job that runs hourly is alive while it waits for its hour, and dead a window after its pass should
    /// have ended.</summary>
    public bool IsStale(DateTimeOffset now, TimeSpan staleAfter)
    {
        var last = IteratedAt ?? registeredAt;
        if (IdleUntil is { } idle && idle > last) last = idle;
        return now - last > staleAfter;
    }

    public void Iterated(DateTimeOffset now) => Interlocked.Exchange(ref _iteratedAt, now.UtcTicks);

    /// <summary>The loop is about to sleep until <paramref name="until"/>; call again with the time it woke when
    /// woken early, so a pass that then hangs is seen a staleness window later, not a window after the planned wake.</summary>
    public void Idle(DateTimeOffset until) => Interlocked.Exchange(ref _idleUntil, until.UtcTicks);

    public void Claimed(DateTimeOffset now, int count, TimeSpan? queueLag)
    {
        Interlocked.Exchange(ref _lastClaimAt, now.UtcTicks);
        Interlocked.Exchange(ref _lastClaimCount, count);
        Interlocked.Exchange(ref _queueLagMs, queueLag is { } lag ? (long)Math.Max(0, lag.TotalMilliseconds) : count == 0 ? 0 : -1);
    }

    public void Started() => Interlocked.Increment(ref _inFlight);
    public void Finished() => Interlocked.Decrement(ref _inFlight);
    public void CountSent() => Interlocked.Increment(ref _sent);
    public void CountRetried() => Interlocked.Increment(ref _retried);
    public void CountFailed() => Interlocked.Increment(ref _failed);
    public void CountDeadLettered() => Interlocked.Increment(ref _deadLettered);
    public void CountDeferred() => Interlocked.Increment(ref _deferred);
    public void CountLeaseLost() => Interlocked.Increment(ref _leaseLost);
    public void Error(string? message) => _lastError = message;

    public Dictionary<string, object?> Snapshot(DateTimeOffset now, TimeSpan staleAfter)
    {
        return new()
        {
            ["alive"] = !IsStale(now, staleAfter),
            ["iterated_at"] = IteratedAt,
            ["idle_until"] = IdleUntil,
            ["last_claim_at"] = Read(ref _lastClaimAt),
            ["last_claim_count"] = Interlocked.Read(ref _lastClaimCount),
            ["queue_lag_ms"] = Interlocked.Read(ref _queueLagMs) is >= 0 and var lag ? lag : null,
            ["in_flight"] = InFlight,
            ["sent"] = Sent,
            ["retried"] = Interlocked.Read(ref _retried),
            ["failed"] = Interlocked.Read(ref _failed),
            ["dead_lettered"] = Interlocked.Read(ref _deadLettered),
            ["deferred"] = Interlocked.Read(ref _deferred),
            ["lease_lost"] = Interlocked.Read(ref _leaseLost),
            ["last_error"] = _lastError,
        };
    }

    private static DateTimeOffset? Read(ref long ticks) =>
        Interlocked.Read(ref ticks) is > 0 and var t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
}

/// <summary>Every loop of this Worker, for the heartbeat and the health check.</summary>
public sealed class WorkerLoops(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, LoopStatus> _loops = new();

    public LoopStatus Register(string name) => _loops.GetOrAdd(name, n => new LoopStatus(n, time.GetUtcNow()));

    public IReadOnlyCollection<LoopStatus> All => _loops.Values.ToList();
}
