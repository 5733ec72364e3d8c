using System.Collections.Concurrent;

namespace MultichannelMessages.MetaSandbox.Customers;

/// <summary>When each customer last wrote to each account: the 24-hour customer-service window, enforced on
/// WhatsApp sends only when Sandbox:Statuses:EnforceWindow is on.</summary>
public sealed class CustomerWindows(TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(24);
    private readonly ConcurrentDictionary<(string Account, string Customer), DateTimeOffset> _lastMessage = new();

    public void Opened(string accountId, string customerId) => _lastMessage[(accountId, customerId)] = time.GetUtcNow();

    public bool IsOpen(string accountId, string customerId) =>
        _lastMessage.TryGetValue((accountId, customerId), out var at) && time.GetUtcNow() - at < Window;
}
