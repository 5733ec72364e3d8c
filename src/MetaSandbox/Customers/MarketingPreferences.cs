using System.Collections.Concurrent;

namespace MultichannelMessages.MetaSandbox.Customers;

/// <summary>Customers who stopped marketing messages from a business (its portfolio): its marketing templates to
/// them end in a failed status with 131050 until they resume.</summary>
public sealed class MarketingPreferences
{
    private readonly ConcurrentDictionary<(string Business, string Customer), bool> _stopped = new();

    public void Set(string businessId, string waId, bool stopped)
    {
        if (stopped)
            _stopped[(businessId, waId)] = true;
        else
            _stopped.TryRemove((businessId, waId), out _);
    }

    public bool IsStopped(string businessId, string waId) => _stopped.ContainsKey((businessId, waId));
}
