using System.Security.Claims;
using Dapper;
using Microsoft.Extensions.Caching.Memory;
using MultichannelMessages.CoreApi.Auth;
using Npgsql;

namespace MultichannelMessages.CoreApi.Access;

public sealed record ProjectAccess(long ProjectId, string ProjectName, string Role, IReadOnlySet<string> Granted, long[] QueueIds)
{
    public bool Can(string permission) => Granted.Contains(permission);

    /// <summary>Supervisors and up see every queue; agents their queues, what is assigned to them, and what is not routed yet.</summary>
    public bool CanSee(long? queueId, long? assignedUserId, long userId) =>
        Can(Permissions.ReadConversations)
        && (Can(Permissions.ReadAllQueues) || queueId is null
            || QueueIds.Contains(queueId.Value) || assignedUserId == userId);
}

public sealed record UserAccess(long UserId, IReadOnlyDictionary<long, ProjectAccess> Projects)
{
    public ProjectAccess? In(long projectId) => Projects.GetValueOrDefault(projectId);
}

public static class AccessKeys
{
    public static object For(long userId) => ("access", userId);
    public static void Evict(IMemoryCache cache, long userId) => cache.Remove(For(userId));
}

/// <summary>
/// A user's grants, per project, from core.user_access. Cached per user; a grant change records an
/// ops.cache_invalidations row that every instance applies (CacheInvalidationReader), and the short lifetime bounds
/// the damage if an instance misses it.
/// </summary>
public sealed class AccessService(NpgsqlDataSource db, IMemoryCache cache)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    public async Task<UserAccess?> ForAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (TokenService.UserId(principal) is not { } userId) return null;
        return await cache.GetOrCreateAsync(AccessKeys.For(userId), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = Lifetime;
            await using var connection = await db.OpenConnectionAsync(ct);
            var rows = await connection.QueryAsync<(long ProjectId, string ProjectName, string Role, string[] Permissions, long[] QueueIds)>(
                new CommandDefinition("select project_id, project_name, role, permissions, queue_ids from core.user_access(@userId)",
                    new { userId }, cancellationToken: ct));
            return new UserAccess(userId, rows.ToDictionary(r => r.ProjectId,
                r => new ProjectAccess(r.ProjectId, r.ProjectName, r.Role, r.Permissions.ToHashSet(), r.QueueIds)));
        });
    }
}
