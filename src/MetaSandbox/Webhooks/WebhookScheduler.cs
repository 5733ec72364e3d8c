namespace MultichannelMessages.MetaSandbox.Webhooks;

/// <summary>
/// Holds webhooks until they are due (sent/delivered/read delays, template reviews) and hands them to the queue.
/// A 10 ms tick instead of a timer per item: thousands of sends a second schedule three statuses each, and items
/// that fall due in the same tick leave together, which lets the dispatcher batch them like Meta does.
/// </summary>
public sealed class WebhookScheduler(WebhookQueue queue, WebhookStats stats, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);
    private readonly PriorityQueue<Scheduled, long> _pending = new();
    private readonly Lock _lock = new();

    private sealed record Scheduled(WebhookItem? Item, Action? OnDue);

    /// <summary>Posts <paramref name="item"/> after <paramref name="delay"/>; <paramref name="onDue"/> runs first (e.g. the
    /// template turns APPROVED before its webhook leaves).</summary>
    public void Schedule(WebhookItem? item, TimeSpan delay, Action? onDue = null)
    {
        if (item is not null)
            stats.Scheduled();
        if (delay <= TimeSpan.Zero)
        {
            Release(new Scheduled(item, onDue));
            return;
        }
        var due = time.GetUtcNow().UtcTicks + delay.Ticks;
        lock (_lock)
            _pending.Enqueue(new Scheduled(item, onDue), due);
    }

    public int Waiting
    {
        get { lock (_lock) return _pending.Count; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, time);
        var due = new List<Scheduled>();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = time.GetUtcNow().UtcTicks;
                lock (_lock)
                {
                    while (_pending.TryPeek(out var next, out var at) && at <= now)
                        due.Add(_pending.Dequeue());
                }
                foreach (var scheduled in due)
                    Release(scheduled);
                due.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Release(Scheduled scheduled)
    {
        scheduled.OnDue?.Invoke();
        if (scheduled.Item is not null)
            queue.Enqueue(scheduled.Item);
    }
}
