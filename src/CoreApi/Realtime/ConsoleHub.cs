using Dapper;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using MultichannelMessages.CoreApi.Access;
using Npgsql;

namespace MultichannelMessages.CoreApi.Realtime;

/// <summary>
/// /hubs/console. A console joins the projects it shows; the server adds the connection to exactly the groups its
/// grants allow (see ChangeGroups), so pushes never reach someone who could not read the same data over HTTP.
/// Clients receive "change" with a ChangeItem.
/// </summary>
[Authorize]
public sealed class ConsoleHub(AccessService access, NpgsqlDataSource db) : Hub
{
    public const string Path = "/hubs/console";

    /// <returns>The feed position now: pass it to GetChangesSince after a reconnect.</returns>
    public async Task<long> JoinProject(long projectId)
    {
        var (project, userId) = await ProjectAsync(projectId);
        var groups = new List<string> { ChangeGroups.Unrouted(projectId), ChangeGroups.Assignee(projectId, userId) };
        if (project.Can(Permissions.ReadAllQueues)) groups.Add(ChangeGroups.AllQueues(projectId));
        else groups.AddRange(project.QueueIds.Select(q => ChangeGroups.Queue(projectId, q)));
        foreach (var group in groups) await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);

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
