using System.Diagnostics.Metrics;
using Dapper;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace MultichannelMessages.CoreApi.Caching;

/// <summary>
/// Caches a project's hot reads (first pages) tagged with the project's data version (ops.project_version). A hit
/// costs one index probe instead of the read; any write to the project — through this instance, another instance,
/// ingestion or the Worker — moves the version, so a stale entry is never served.
/// </summary>
public sealed class VersionedCache(IMemoryCache cache, IMeterFactory meters)
{
    public const string MeterName = "MultichannelMessages.CoreApi";
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);
    private readonly Counter<long> _hits = meters.Create(MeterName).CreateCounter<long>("core.cache.hits");
    private readonly Counter<long> _misses = meters.Create(MeterName).CreateCounter<long>("core.cache.misses");

    private sealed record Entry(long Version, object Value);

    public async Task<T> GetOrReadAsync<T>(NpgsqlConnection connection, long projectId, string key, Func<Task<T>> read, CancellationToken ct)
        where T : notnull
    {
        var version = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "select ops.project_version(@projectId)", new { projectId }, cancellationToken: ct));
        var cacheKey = ("versioned", projectId, key);
        if (cache.TryGetValue(cacheKey, out Entry? entry) && entry!.Version == version)
        {
            _hits.Add(1);
            return (T)entry.Value;
        }
        _misses.Add(1);
        var value = await read();
        cache.Set(cacheKey, new Entry(version, value), Lifetime);
        return value;
    }
}
