using System.Collections.Concurrent;

namespace MultichannelMessages.Worker.Graph;

/// <summary>
/// What the Graph circuit breakers (one per Meta host) currently say, for the outbox (which defers a host's sends
/// while its breaker is open instead of spending attempts on it), the heartbeat (which reports it on the Ops page)
/// and the health check. Fed by the breaker's own callbacks, so it never disagrees with the breaker for long.
/// </summary>
public sealed class GraphCircuits(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, HostCircuit> _hosts = new(StringComparer.OrdinalIgnoreCase);

    public sealed record HostCircuit(string Host, string State, DateTimeOffset Since, DateTimeOffset? BreakUntil, string? LastFailure,
        long TimesOpened);

    public void Opened(string host, TimeSpan breakDuration, string? failure)
    {
        var now = time.GetUtcNow();
        _hosts.AddOrUpdate(host,
            _ => new HostCircuit(host, "open", now, now + breakDuration, failure, 1),
            (_, old) => new HostCircuit(host, "open", now, now + breakDuration, failure ?? old.LastFailure, old.TimesOpened + 1));
    }

    public void HalfOpened(string host) =>
        _hosts.AddOrUpdate(host, _ => new HostCircuit(host, "half_open", time.GetUtcNow(), null, null, 0),
            (_, old) => old with { State = "half_open", Since = time.GetUtcNow(), BreakUntil = null });

    public void Closed(string host) =>
        _hosts.AddOrUpdate(host, _ => new HostCircuit(host, "closed", time.GetUtcNow(), null, null, 0),
            (_, old) => old with { State = "closed", Since = time.GetUtcNow(), BreakUntil = null });

    /// <summary>True while <paramref name="host"/>'s breaker is open and its break lasts; <paramref name="retryIn"/>
    /// is what is left of it. Once the break is over the breaker lets a probe through (it turns half-open only when a
    /// call arrives), so from then on this says closed and the next call is that probe.</summary>
    public bool IsOpen(string host, out TimeSpan retryIn)
    {
        retryIn = RetryIn(host);
        return retryIn > TimeSpan.Zero && _hosts.TryGetValue(host, out var circuit) && circuit.State == "open";
    }

    public TimeSpan RetryIn(string host) =>
        _hosts.TryGetValue(host, out var circuit) && circuit.BreakUntil is { } until && until > time.GetUtcNow()
            ? until - time.GetUtcNow()
            : TimeSpan.Zero;

    public IReadOnlyList<HostCircuit> Snapshot() => _hosts.Values.OrderBy(c => c.Host, StringComparer.Ordinal).ToList();
}
