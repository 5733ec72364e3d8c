using Dapper;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using MultichannelMessages.Contracts.Realtime;
using MultichannelMessages.CoreApi.Access;
using Npgsql;

namespace MultichannelMessages.CoreApi.Realtime;

/// <summary>
/// /hubs/console. A console joins the projects it shows; the server adds the connection to exactly the groups its
/// grants allow (see ChangeGroups), so pushes never reach someone who could not read the same data over HTTP.
/// Clients receive "change" with a ChangeItem. The groups follow the grants while the connection is open (HubGrants),
/// and the connection closes when its access token expires (the console reconnects with a fresh one).
/// </summary>
[Authorize]
public sealed class ConsoleHub(AccessService access, HubConnections connections, NpgsqlDataSource db) : Hub
{
    public const string Path = "/hubs/console";

    public override Task OnConnectedAsync()
    {
        if (Auth.TokenService.UserId(Context.User!) is { } userId)
            connections.Add(Context, userId, Auth.TokenService.SessionId(Context.User!));
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Remove(Context.ConnectionId);
        return Task.CompletedTask;
    }

    /// <returns>The feed position now: pass it to GetChangesSince after a reconnect.</returns>
    public async Task<long> JoinProject(long projectId)
    {
        var open = connections.Get(Context.ConnectionId) ?? throw new HubException("not_found");
        long userId;
        await open.Gate.WaitAsync(Context.ConnectionAborted);
        try
        {
            (var project, userId) = await ProjectAsync(projectId);
            var groups = ChangeGroups.Member(project, userId);
            foreach (var group in groups) await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
            // A rejoin on the same connection leaves no group of older grants behind.
            foreach (var group in open.Projects.GetValueOrDefault(projectId)?.Except(groups) ?? [])
                await Groups.RemoveFromGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
            open.Projects[projectId] = groups;
        }
        finally { open.Gate.Release(); }

        await using var connection = await db.OpenConnectionAsync(Context.ConnectionAborted);
        // An open console is a sign of life for presence (an online agent unseen for two minutes counts as offline).
        await connection.ExecuteAsync("select core.touch_presence(@userId)", new { userId });
        return await connection.ExecuteScalarAsync<long>("select ops.change_feed_head()");
    }

    /// <summary>What this user may see of the project's changes after <paramref name="afterId"/> (at most 500; call
    /// again with the last id while a full page comes back).</summary>
    public async Task<ChangeItem[]> GetChangesSince(long projectId, long afterId)
    {
        var (project, userId) = await ProjectAsync(projectId);
        var changes = await ChangeFeedReader.ReadAsync(db, afterId, 500, Context.ConnectionAborted);
        return changes.Where(c => c.ProjectId == projectId && c.VisibleTo(project, userId)).ToArray();
    }

    /// <summary>The oldest change the feed still holds: a client whose last seen id is older missed changes that
    /// retention has deleted, and must reload rather than replay.</summary>
    public async Task<long> GetOldestChange(long projectId)
    {
        await ProjectAsync(projectId);
        await using var connection = await db.OpenConnectionAsync(Context.ConnectionAborted);
        return await connection.ExecuteScalarAsync<long>("select ops.change_feed_tail()");
    }

    private async Task<(ProjectAccess Project, long UserId)> ProjectAsync(long projectId)
    {
        var user = await access.ForAsync(Context.User!, Context.ConnectionAborted);
        return user?.In(projectId) is { } project && project.Can(Permissions.ReadConversations)
            ? (project, user.UserId)
            : throw new HubException("not_found");
    }
}
