using MultichannelMessages.Worker.Pacing;

namespace MultichannelMessages.Worker.Tests.Pacing;

public sealed class TokenBucketTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void A_full_bucket_lets_a_burst_through_then_spaces_tokens_at_its_rate()
    {
        var bucket = new TokenBucket(ratePerSecond: 10, capacity: 3, now: S(0));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(TimeSpan.Zero, bucket.TimeUntilAvailable(S(0)));
            bucket.Take(S(0));
        }
        Assert.Equal(S(0.1), bucket.TimeUntilAvailable(S(0)));
        Assert.Equal(S(0.05), bucket.TimeUntilAvailable(S(0.05)));
        Assert.Equal(TimeSpan.Zero, bucket.TimeUntilAvailable(S(0.1)));
    }

    [Fact]
    public void Borrowed_tokens_queue_callers_in_turn()
    {
        var bucket = new TokenBucket(ratePerSecond: 1, capacity: 1, now: S(0));
        bucket.Take(S(0));
        Assert.Equal(S(1), bucket.TimeUntilAvailable(S(0)));
        bucket.Take(S(0)); // reserved the turn at 1 s
        Assert.Equal(S(2), bucket.TimeUntilAvailable(S(0)));
        bucket.Take(S(0)); // reserved the turn at 2 s
        Assert.Equal(S(2.5), bucket.TimeUntilAvailable(S(0.5)));
    }

    [Fact]
    public void Refill_never_exceeds_capacity()
    {
        var bucket = new TokenBucket(ratePerSecond: 100, capacity: 2, now: S(0));
        bucket.Take(S(0));
        bucket.Take(S(0));
        Assert.True(bucket.IsFull(S(3600)));
        bucket.Take(S(3600));
        bucket.Take(S(3600));
        Assert.Equal(S(0.01), bucket.TimeUntilAvailable(S(3600)));
    }

    [Fact]
    public void A_pause_holds_every_token_back_for_its_duration()
    {
        var bucket = new TokenBucket(ratePerSecond: 80, capacity: 80, now: S(0));
        bucket.PauseFor(S(1), S(0));
        Assert.Equal(S(1), bucket.TimeUntilAvailable(S(0)));
        Assert.Equal(TimeSpan.Zero, bucket.TimeUntilAvailable(S(1)));
    }
}
