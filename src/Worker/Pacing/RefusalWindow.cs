namespace MultichannelMessages.Worker.Pacing;

/// <summary>
/// Tells a burst from a number that takes less than planned. Meta counts a number's requests in any sliding second and
/// answers 130429 past its throughput: at a rate below it, a lone refusal is a burst (sends that ran late arriving with
/// the on-time ones after them, on a busy machine or network) and the refused message's own retry is all the slowing
/// down it needs. Pausing every send of the number for it drops every slot of the pause, which costs far more than the
/// one refused (13 % of a 100,000-recipient campaign, and a second's wait for agents' replies, in bench/RESULTS.md).
/// Refusals that keep coming — more than 5 % of the rate, at least 3, within one second — mean the number really takes
/// less than planned (another app sends on it, its throughput is lower than recorded), and then the sender pauses.
/// Times are offsets on the caller's monotonic clock. Not thread-safe: callers lock.
/// </summary>
public sealed class RefusalWindow
{
    private static readonly TimeSpan Span = TimeSpan.FromSeconds(1);
    private readonly Queue<TimeSpan> _refusals = new();

    /// <summary>Records a refusal at <paramref name="now"/>; true when the refusals of the last second are sustained at
    /// <paramref name="ratePerSecond"/>.</summary>
    public bool Sustained(TimeSpan now, double ratePerSecond)
    {
        _refusals.Enqueue(now);
        while (_refusals.Peek() <= now - Span) _refusals.Dequeue();
        return _refusals.Count >= Threshold(ratePerSecond);
    }

    public static int Threshold(double ratePerSecond) => Math.Max(3, (int)Math.Ceiling(ratePerSecond * 0.05));
}
