using System.Collections.Concurrent;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MultichannelMessages.CoreApi.Auth;

/// <summary>
/// Sessions ended (sign-out, a reused refresh token, deactivation) while access tokens naming them may still be
/// unexpired. An access token is self-contained for its lifetime, so without this list a token copied before sign-out
/// would keep opening the API for up to <see cref="JwtOptions.AccessTokenMinutes"/>. Filled from the cache
/// invalidations every instance reads (scope <c>session</c>) and, at start, from the sessions revoked within one token
/// lifetime; an entry is dropped once no token of its session can still be valid. The wall clock, as the token
/// handler's expiry check uses (not the injectable clock tests move for the window rule).
/// </summary>
public sealed class RevokedSessions(IOptions<JwtOptions> jwt)
{
    private readonly ConcurrentDictionary<long, DateTimeOffset> _until = new();
    private TimeSpan Lifetime => TimeSpan.FromMinutes(jwt.Value.AccessTokenMinutes) + TimeSpan.FromMinutes(1); // + clock skew

    public bool IsRevoked(long sessionId) => _until.TryGetValue(sessionId, out var until) && until > DateTimeOffset.UtcNow;

    public void Revoke(long sessionId)
    {
        var now = DateTimeOffset.UtcNow;
        _until[sessionId] = now + Lifetime;
        foreach (var (id, until) in _until)
            if (until <= now) _until.TryRemove(id, out _);
    }

    /// <summary>Sessions revoked before this instance started reading invalidations, still within a token lifetime.</summary>
    public async Task LoadRecentAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var ids = await connection.QueryAsync<long>(new CommandDefinition(
            "select id from core.recently_revoked_sessions(@since)", new { since = DateTimeOffset.UtcNow - Lifetime }, cancellationToken: ct));
        foreach (var id in ids) Revoke(id);
    }
}
