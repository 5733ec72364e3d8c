using Microsoft.AspNetCore.SignalR;
using MultichannelMessages.CoreApi.Access;

namespace MultichannelMessages.CoreApi.Realtime;

/// <summary>
/// Keeps open hub connections within their user's current grants. Called for every access invalidation (a queue or
/// project membership changed, a role changed, the user was deactivated) after the cached access was dropped, so the
/// grants read here are fresh: the connection's groups are brought in line, or, when the user may no longer read the
/// project (or is deactivated), the connection is closed. A revoked session closes its connections.
/// </summary>
public sealed partial class HubGrants(HubConnections connections, AccessService access, IHubContext<ConsoleHub> hub, ILogger<HubGrants> logger)
{
    public async Task FollowAsync(long userId, CancellationToken ct)
    {
        foreach (var connection in connections.OfUser(userId))
        {
            await connection.Gate.WaitAsync(ct);
            try
            {
                var grants = await access.ForAsync(connection.Context.User!, ct);
                // Deactivated (or left every project): nothing this connection could show any more.
                if (grants is null || grants.Projects.Count == 0)
                {
                    LogDeactivated(logger, userId);
                    connection.Context.Abort();
                    continue;
                }
                foreach (var (projectId, joined) in connection.Projects.ToArray())
                {
                    if (grants?.In(projectId) is not { } project || !project.Can(Permissions.ReadConversations))
                    {
                        LogClosed(logger, userId, projectId);
                        connection.Context.Abort();
                        break;
                    }
                    var now = ChangeGroups.Member(project, userId);
                    foreach (var group in joined.Except(now)) await hub.Groups.RemoveFromGroupAsync(connection.Context.ConnectionId, group, ct);
                    foreach (var group in now.Except(joined)) await hub.Groups.AddToGroupAsync(connection.Context.ConnectionId, group, ct);
                    connection.Projects[projectId] = now;
                }
            }
            finally { connection.Gate.Release(); }
        }
    }

    public void EndSession(long sessionId)
    {
        foreach (var connection in connections.OfSession(sessionId)) connection.Context.Abort();
    }

    [LoggerMessage(221, LogLevel.Information, "Closed a hub connection of user {UserId}: no project grants left")]
    private static partial void LogDeactivated(ILogger logger, long userId);

    [LoggerMessage(220, LogLevel.Information, "Closed a hub connection of user {UserId}: no longer allowed in project {ProjectId}")]
    private static partial void LogClosed(ILogger logger, long userId, long projectId);
}
