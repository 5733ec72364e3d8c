using System.Collections.Concurrent;

namespace MultichannelMessages.MetaSandbox.Limits;

/// <summary>
/// Each number's messages per second over a sliding one-second window, as Meta counts throughput. A send is counted
/// when it is let through; a refused one does not use up the window.
/// </summary>
public sealed class ThroughputGate(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Queue<long>> _sends = new(StringComparer.Ordinal);

    public bool TryAdmit(string accountId, int mps)
    {
        var now = time.GetUtcNow().UtcTicks;
        var window = _sends.GetOrAdd(accountId, _ => new Queue<long>());
        lock (window)
        {
            while (window.TryPeek(out var at) && now - at >= TimeSpan.TicksPerSecond)
                window.Dequeue();
            if (window.Count >= mps)
                return false;
            window.Enqueue(now);
            return true;
        }
    }
}
