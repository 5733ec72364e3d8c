using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Outbox;

namespace MultichannelMessages.Worker.Tests.Outbox;

public sealed class BackoffTests
{
    private static readonly OutboxOptions Options = new() { RetryBaseDelayMs = 1_000, RetryMaxDelayMs = 60_000 };

    [Theory]
    [InlineData(1, 500, 1_000)]
    [InlineData(2, 1_000, 2_000)]
    [InlineData(3, 2_000, 4_000)]
    [InlineData(5, 8_000, 16_000)]
    [InlineData(12, 30_000, 60_000)]
    public void Delay_doubles_per_attempt_within_equal_jitter_and_a_cap(int attempt, int minMs, int maxMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(minMs), new Backoff(Options, () => 0).Delay(attempt, RetryClass.Transient));
        Assert.Equal(TimeSpan.FromMilliseconds(maxMs), new Backoff(Options, () => 1).Delay(attempt, RetryClass.Transient));
    }

    [Theory]
    [InlineData(RetryClass.Throughput, 1)]
    [InlineData(RetryClass.PairRate, 6)]
    [InlineData(RetryClass.AppRate, 60)]
    [InlineData(RetryClass.Maintenance, 60)]
    public void Rate_limits_wait_at_least_what_the_limit_needs(RetryClass cause, int seconds)
    {
        var delay = new Backoff(Options, () => 0).Delay(1, cause);
        Assert.Equal(TimeSpan.FromSeconds(seconds), delay);
        Assert.True(new Backoff(Options, () => 1).Delay(1, cause) <= TimeSpan.FromSeconds(seconds * 1.25));
    }

    [Fact]
    public void A_longer_retry_after_from_Meta_wins()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), new Backoff(Options, () => 0).Delay(1, RetryClass.Throughput, TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(6), new Backoff(Options, () => 0).Delay(1, RetryClass.PairRate, TimeSpan.FromSeconds(2)));
    }
}
