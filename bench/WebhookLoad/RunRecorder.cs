using System.Collections.Concurrent;
using System.Diagnostics;

namespace MultichannelMessages.WebhookLoad;

/// <summary>Stopwatch timestamps bounding the run: sends start at Start, are counted from MeasureFrom, stop at End.</summary>
public readonly record struct RunWindow(long Start, long MeasureFrom, long End)
{
    public static RunWindow Starting(TimeSpan after, TimeSpan warmup, TimeSpan duration)
    {
        var start = Stopwatch.GetTimestamp() + Ticks(after);
        return new RunWindow(start, start + Ticks(warmup), start + Ticks(warmup) + Ticks(duration));
    }

    public static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}

/// <summary>
/// Outcomes of every request, written concurrently by completions. Only requests in the measured phase count
/// toward status counts and histograms; every 200 (warm-up too) goes to the acked list, since all of them must
/// be stored.
/// </summary>
public sealed class RunRecorder(bool keepAcked)
{
    private readonly long[] _status = new long[600];
    private readonly ConcurrentQueue<long>? _acked = keepAcked ? new() : null;
    private long _measuredScheduled, _measuredSent, _errors, _timeouts, _totalSent, _totalOk;
    private string? _firstError;

    /// <summary>From the scheduled send time: includes waiting for a free connection (no coordinated omission).</summary>
    public LatencyHistogram Latency { get; } = new();
    /// <summary>From the moment the request was handed to the HTTP client.</summary>
    public LatencyHistogram ServiceTime { get; } = new();
    /// <summary>Scheduled → handed to the client: high when every slot is busy or the generator is starved of CPU.</summary>
    public LatencyHistogram SendLag { get; } = new();

    public long MeasuredScheduled => Interlocked.Read(ref _measuredScheduled);
    public long MeasuredSent => Interlocked.Read(ref _measuredSent);
    public long Errors => Interlocked.Read(ref _errors);
    public long Timeouts => Interlocked.Read(ref _timeouts);
    public long TotalSent => Interlocked.Read(ref _totalSent);
    public long TotalOk => Interlocked.Read(ref _totalOk);
    public string? FirstError => _firstError;

    public void Scheduled(long count) => Interlocked.Add(ref _measuredScheduled, count);

    public void Sent(bool measured)
    {
        Interlocked.Increment(ref _totalSent);
        if (measured) Interlocked.Increment(ref _measuredSent);
    }

    public void Answered(long n, int status, long scheduled, long sent, long done, bool measured)
    {
        if (status == 200)
        {
            Interlocked.Increment(ref _totalOk);
            _acked?.Enqueue(n);
        }
        if (!measured) return;
        Interlocked.Increment(ref _status[Math.Clamp(status, 0, _status.Length - 1)]);
        SendLag.Record(Stopwatch.GetElapsedTime(scheduled, sent).Ticks / TimeSpan.TicksPerMicrosecond);
        if (status != 200) return;
        Latency.Record(Stopwatch.GetElapsedTime(scheduled, done).Ticks / TimeSpan.TicksPerMicrosecond);
        ServiceTime.Record(Stopwatch.GetElapsedTime(sent, done).Ticks / TimeSpan.TicksPerMicrosecond);
    }

    public void Failed(bool measured, bool timeout, Exception error)
    {
        Interlocked.CompareExchange(ref _firstError, $"{error.GetType().Name}: {error.GetBaseException().Message}", null);
        if (!measured) return;
        if (timeout) Interlocked.Increment(ref _timeouts);
        else Interlocked.Increment(ref _errors);
    }

    /// <summary>Requests still unanswered when the drain gave up: they count as timeouts.</summary>
    public void Abandoned(long count) => Interlocked.Add(ref _timeouts, count);

    public SortedDictionary<int, long> StatusCounts()
    {
        var counts = new SortedDictionary<int, long> { [200] = 0, [401] = 0, [503] = 0 };
        for (var code = 0; code < _status.Length; code++)
            if (Interlocked.Read(ref _status[code]) is > 0 and var count) counts[code] = count;
        return counts;
    }

    public long[] AckedInOrder()
    {
        var acked = _acked?.ToArray() ?? [];
        Array.Sort(acked);
        return acked;
    }
}
