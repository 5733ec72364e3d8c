using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace MultichannelMessages.CoreApi.Realtime;

/// <summary>
/// The hub connections open on this instance, who they belong to and which groups each joined per project, so a
/// grant change or a sign-out can regroup or close them (HubGrants). Groups are otherwise joined once, at JoinProject.
/// </summary>
public sealed class HubConnections
{
    private readonly ConcurrentDictionary<string, Connection> _open = new();

    public sealed class Connection(HubCallerContext context, long userId, long? sessionId)
    {
        public HubCallerContext Context { get; } = context;
        public long UserId { get; } = userId;
        public long? SessionId { get; } = sessionId;
        /// <summary>Held while the connection's groups change: JoinProject and a regroup must not interleave.</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public Dictionary<long, IReadOnlySet<string>> Projects { get; } = [];
    }

    public Connection Add(HubCallerContext context, long userId, long? sessionId) =>
        _open[context.ConnectionId] = new Connection(context, userId, sessionId);

    public Connection? Get(string connectionId) => _open.GetValueOrDefault(connectionId);

    public void Remove(string connectionId) => _open.TryRemove(connectionId, out _);

    public IReadOnlyList<Connection> OfUser(long userId) => _open.Values.Where(c => c.UserId == userId).ToArray();

    public IReadOnlyList<Connection> OfSession(long sessionId) => _open.Values.Where(c => c.SessionId == sessionId).ToArray();
}
