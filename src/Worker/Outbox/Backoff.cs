using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Outbox;

/// <summary>
/// Delay before the next attempt: exponential from <see cref="OutboxOptions.RetryBaseDelayMs"/> with "equal jitter"
/// (half fixed, half random, so retries of a failed batch spread out), never shorter than what the cause needs:
/// rate limits recover on Meta's clock, not ours, and a Retry-After from Meta wins when longer.
/// </summary>
public sealed class Backoff(OutboxOptions options, Func<double>? random = null)
{
    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;

    public TimeSpan Delay(int attempt, RetryClass cause, TimeSpan? retryAfter = null)
    {
        var exponent = Math.Min(Math.Max(attempt, 1) - 1, 30);
        var exponential = Math.Min(options.RetryMaxDelayMs, options.RetryBaseDelayMs * Math.Pow(2, exponent));
        var jittered = exponential / 2 + _random() * exponential / 2;

        var floor = Minimum(cause).TotalMilliseconds;
        if (retryAfter is { } after && after.TotalMilliseconds > floor) floor = after.TotalMilliseconds;
        // A floor is jittered upwards too: a throttled batch must not come back all in the same millisecond.
        var floored = floor > 0 ? floor * (1 + 0.25 * _random()) : 0;
        return TimeSpan.FromMilliseconds(Math.Max(jittered, floored));
    }

    /// <summary>The shortest useful wait per cause (Meta's throughput window is a second; one message per ~6 s may
    /// go to one recipient; app and WABA call limits and maintenance are counted in minutes).</summary>
    public static TimeSpan Minimum(RetryClass cause) => cause switch
    {
        RetryClass.Throughput => TimeSpan.FromSeconds(1),
        RetryClass.PairRate => TimeSpan.FromSeconds(6),
        RetryClass.AppRate => TimeSpan.FromSeconds(60),
        RetryClass.Maintenance => TimeSpan.FromSeconds(60),
        _ => TimeSpan.Zero,
    };
}
