using System.Numerics;

namespace MultichannelMessages.WebhookLoad;

/// <summary>
/// Microsecond latencies in HdrHistogram's log-linear layout: exact below 2,048 µs, then 1,024 buckets per power
/// of two (under 0.1 % error) up to about 25 days. Fixed memory (256 KB) however many samples, and recording is
/// one Interlocked.Increment, so completions on any thread record without a lock.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 11;
    private const int SubBucketCount = 1 << SubBucketBits;
    private const int HalfCount = SubBucketCount / 2;
    private const int Octaves = 30;
    private const long MaxValue = (1L << (SubBucketBits + Octaves)) - 1;

    private readonly long[] _counts = new long[SubBucketCount + Octaves * HalfCount];
    private long _total;
    private long _sum;
    private long _max;

    public long Count => Interlocked.Read(ref _total);

    public void Record(long microseconds)
    {
        var value = Math.Clamp(microseconds, 0, MaxValue);
        Interlocked.Increment(ref _counts[Index(value)]);
        Interlocked.Increment(ref _total);
        Interlocked.Add(ref _sum, value);
        var max = Interlocked.Read(ref _max);
        while (value > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, max);
            if (seen == max) break;
            max = seen;
        }
    }

    public double MeanMilliseconds => Count == 0 ? 0 : Interlocked.Read(ref _sum) / (double)Count / 1000.0;
    public double MaxMilliseconds => Interlocked.Read(ref _max) / 1000.0;

    /// <summary>The smallest recorded value such that <paramref name="percentile"/> % of samples are at or below it.</summary>
    public double PercentileMilliseconds(double percentile)
    {
        var total = Count;
        if (total == 0) return 0;
        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * total));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank) return Math.Min(HighestInBucket(i), Interlocked.Read(ref _max)) / 1000.0;
        }
        return MaxMilliseconds;
    }

    private static int Index(long value)
    {
        if (value < SubBucketCount) return (int)value;
        var shift = BitOperations.Log2((ulong)value) - (SubBucketBits - 1);
        return SubBucketCount + (shift - 1) * HalfCount + (int)((value >> shift) - HalfCount);
    }

    private static long HighestInBucket(int index)
    {
        if (index < SubBucketCount) return index;
        var shift = (index - SubBucketCount) / HalfCount + 1;
        var sub = (index - SubBucketCount) % HalfCount + HalfCount;
        return ((sub + 1L) << shift) - 1;
    }
}
