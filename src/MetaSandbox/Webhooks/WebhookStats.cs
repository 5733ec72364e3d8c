namespace MultichannelMessages.MetaSandbox.Webhooks;

/// <summary>Counters behind <c>GET /sandbox/webhooks</c> and the health check. Items are statuses/messages/changes;
/// posts are HTTP requests carrying one or more items.</summary>
public sealed class WebhookStats
{
    private long _pending, _delivered, _failed, _skipped, _dropped, _posts, _retries, _lastSuccess, _lastFailure;

    public long Pending => Interlocked.Read(ref _pending);

    public void Scheduled() => Interlocked.Increment(ref _pending);

    public void Delivered(int items, long atTicks)
    {
        Interlocked.Add(ref _delivered, items);
        Interlocked.Increment(ref _posts);
        Interlocked.Add(ref _pending, -items);
        Interlocked.Exchange(ref _lastSuccess, atTicks);
    }

    public void Failed(int items, long atTicks)
    {
        Interlocked.Add(ref _failed, items);
        Interlocked.Add(ref _pending, -items);
        Interlocked.Exchange(ref _lastFailure, atTicks);
    }

    /// <summary>No Sandbox:WebhookUrl: built, counted, not posted.</summary>
    public void Skipped(int items)
    {
        Interlocked.Add(ref _skipped, items);
        Interlocked.Add(ref _pending, -items);
    }

    public void Dropped()
    {
        Interlocked.Increment(ref _dropped);
        Interlocked.Decrement(ref _pending);
    }

    public void Retried() => Interlocked.Increment(ref _retries);

    /// <summary>The last post gave up after every attempt, and none has succeeded since.</summary>
    public bool ReceiverFailing => Interlocked.Read(ref _lastFailure) > Interlocked.Read(ref _lastSuccess);

    public WebhookStatsView Snapshot() => new(Pending, Interlocked.Read(ref _delivered), Interlocked.Read(ref _failed),
        Interlocked.Read(ref _skipped), Interlocked.Read(ref _dropped), Interlocked.Read(ref _posts), Interlocked.Read(ref _retries));
}

public sealed record WebhookStatsView(long Pending, long DeliveredItems, long FailedItems, long SkippedItems,
    long DroppedItems, long Posts, long Retries);
