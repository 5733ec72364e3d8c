namespace MultichannelMessages.WebhookApi.Ingestion;

/// <summary>
/// Logs refused POSTs at most once per interval, with how many were left out since: anyone on the internet can send
/// unsigned POSTs, and a warning per request would let a flood fill the disks and bury every other line. The
/// webhook.rejected counter still counts each one.
/// </summary>
public sealed class RejectionLog(ILogger<RejectionLog> logger)
{
    private static readonly long IntervalMs = (long)TimeSpan.FromSeconds(10).TotalMilliseconds;
    private long _nextWarningAt;
    private long _suppressed;

    public void Rejected(string reason)
    {
        var now = Environment.TickCount64;
        var next = Interlocked.Read(ref _nextWarningAt);
        // One caller wins the interval; the rest only count.
        if (now >= next && Interlocked.CompareExchange(ref _nextWarningAt, now + IntervalMs, next) == next)
            IngestLog.Rejected(logger, reason, Interlocked.Exchange(ref _suppressed, 0));
        else
            Interlocked.Increment(ref _suppressed);
    }
}
