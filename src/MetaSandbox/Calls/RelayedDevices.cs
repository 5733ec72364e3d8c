using System.Collections.Concurrent;

namespace MultichannelMessages.MetaSandbox.Calls;

/// <summary>Users whose WhatsApp "phone" is a page outside the sandbox (a second browser holding a real WebRTC
/// peer): the sandbox relays their SDP instead of writing its own.</summary>
public sealed class RelayedDevices
{
    private readonly ConcurrentDictionary<(string Account, string User), bool> _relayed = new();

    public void Set(string accountId, string user, bool relayed)
    {
        if (relayed)
            _relayed[(accountId, user)] = true;
        else
            _relayed.TryRemove((accountId, user), out _);
    }

    public bool IsRelayed(string accountId, string user) => _relayed.ContainsKey((accountId, user));
}
