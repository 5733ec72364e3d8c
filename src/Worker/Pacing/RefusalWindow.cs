namespace MultichannelMessages.Worker.Pacing;

/// <summary>
/// Tells a burst from a number that takes less than planned. Meta counts a number's requests in any sliding second and
/// answers 130429 past its throughput: at a rate below it, refusals are a burst (sends that ran late arriving with the
/// on-time ones after them, on a busy machine or network) and the refused messages' own retries are all the slowing
/// down they need. Pausing every send of the number for them drops every slot of the pause, which costs far more than
/// the ones refused (13 % of a 100,000-recipient campaign, and a second's wait for agents' replies, in bench/RESULTS.md).
/// A stall makes its refusals in one cluster, a few hundred milliseconds long, however many there are; a number that
/// really takes less than planned (another app sends on it, its throughput is lower than recorded) refuses on and on.
/// So the sender pauses only when the refusals are sustained in two seconds in a row: more than 5 % of the rate, at
/// least 3, in the last second and in the second before it.
/// Times are offsets on the caller's monotonic clock. Not thread-safe: callers lock.
/// </summary>
public sealed class RefusalWindow
{
    private static readonly TimeSpan Span = TimeSpan.FromSeconds(1);
    private readonly Queue<TimeSpan> _refusals = new();

    /// <summary>Records a refusal at <paramref name="now"/>; true when the refusals of the last second and of the second
    /// before it are each sustained at <paramref name="ratePerSecond"/>.</summary>
    public bool Sustained(TimeSpan now, double ratePerSecond)
    {
        _refusals.Enqueue(now);
        while (_refusals.Peek() <= now - 2 * Span) _refusals.Dequeue();
        int last = 0, before = 0;
        foreach (var at in _refusals)
        {
            if (at > now - Span) last++;
            else before++;
        }
        var threshold = Threshold(ratePerSecond);
        return last >= threshold && before >= threshold;
    }

    public static int Threshold(double ratePerSecond) => Math.Max(3, (int)Math.Ceiling(ratePerSecond * 0.05));
}
