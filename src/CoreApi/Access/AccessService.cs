using System.Security.Claims;
using Dapper;
using Microsoft.Extensions.Caching.Memory;
using MultichannelMessages.CoreApi.Auth;
using Npgsql;

namespace MultichannelMessages.CoreApi.Access;

/// <param name="Archived">The project is archived: read-only (AccessMiddleware refuses writes with project_archived).</param>
public sealed record ProjectAccess(long ProjectId, string ProjectName, string Role, IReadOnlySet<string> Granted, long[] QueueIds,
    bool Archived = false)
{
    public bool Can(string permission) => Granted.Contains(permission);

    /// <summary>Supervisors and up see every queue; agents their queues, what is assigned to them, and what is not routed yet.</summary>
    public bool CanSee(long? queueId, long? assignedUserId, long userId) =>
        Can(Permissions.ReadConversations)
        && (Can(Permissions.ReadAllQueues) || queueId is null
            || QueueIds.Contains(queueId.Value) || assignedUserId == userId);
}

/// <summary>A user's grants; <paramref name="IsOperator"/> marks a platform operator (core.users.is_operator), who alone
/// sees platform-wide views that cross tenants.</summary>
public sealed record UserAccess(long UserId, IReadOnlyDictionary<long, ProjectAccess> Projects, bool IsOperator = false)
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
public sealed class AccessService(NpgsqlDataSource db, IMemoryCache cache, RevokedSessions revokedSessions)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    public async Task<UserAccess?> ForAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (TokenService.UserId(principal) is not { } userId) return null;
        // A token of an ended session is refused although it has not expired (a copy made before sign-out).
        if (TokenService.SessionId(principal) is { } sessionId && revokedSessions.IsRevoked(sessionId)) return null;
        return await cache.GetOrCreateAsync(AccessKeys.For(userId), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = Lifetime;
            await using var connection = await db.OpenConnectionAsync(ct);
            var rows = await connection.QueryAsync<(long ProjectId, string ProjectName, string Role, string[] Permissions, long[] QueueIds, bool Archived)>(
                new CommandDefinition("select project_id, project_name, role, permissions, queue_ids, archived from core.user_access(@userId)",
                    new { userId }, cancellationToken: ct));
            var isOperator = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "select coalesce((select is_operator from core.users where id = @userId and is_active), false)", new { userId }, cancellationToken: ct));
            return new UserAccess(userId, rows.ToDictionary(r => r.ProjectId,
                r => new ProjectAccess(r.ProjectId, r.ProjectName, r.Role, r.Permissions.ToHashSet(), r.QueueIds, r.Archived)), isOperator);
        });
    }

    /// <summary>The project a contact belongs to (null: no such contact).</summary>
    public async Task<long?> ContactProjectAsync(long contactId, long userId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "select project_id from chat.visible_contact_scope(@contactId, @userId)", new { contactId, userId }, cancellationToken: ct));
    }

    private sealed record ConversationRow(long ProjectId, long? QueueId, long? AssignedUserId, string Channel, DateTime? LastInboundAt);

    /// <summary>The conversation if the user may see it (its project's grants and queue visibility), else null.</summary>
    public async Task<ConversationScope?> ConversationAsync(UserAccess user, long conversationId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<ConversationRow>(new CommandDefinition(
            "select project_id, queue_id, assigned_user_id, channel, last_inbound_at from chat.conversation_scope(@conversationId)",
            new { conversationId }, cancellationToken: ct));
        if (row is null || user.In(row.ProjectId) is not { } project || !project.CanSee(row.QueueId, row.AssignedUserId, user.UserId))
            return null;
        return new ConversationScope(conversationId, row.ProjectId, row.QueueId, row.AssignedUserId, row.Channel, row.LastInboundAt, project, user.UserId);
    }
}
