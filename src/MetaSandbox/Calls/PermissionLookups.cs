using Microsoft.Extensions.Options;

namespace MultichannelMessages.MetaSandbox.Calls;

/// <summary>Meta's limit on <c>GET /{phone-number-id}/call_permissions</c>: so many requests a second per number
/// (100), code 613 beyond. A fixed one-second window, as a poller meets it.</summary>
public sealed class PermissionLookups(IOptions<CallOptions> options, TimeProvider time)
{
    private readonly Dictionary<string, (long Second, int Count)> _windows = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public bool TryTake(string accountId)
    {
        var second = time.GetUtcNow().ToUnixTimeSeconds();
        lock (_lock)
        {
            var (at, count) = _windows.GetValueOrDefault(accountId);
            count = at == second ? count + 1 : 1;
            _windows[accountId] = (second, count);
            return count <= options.Value.PermissionLookupsPerSecond;
        }
    }
}
