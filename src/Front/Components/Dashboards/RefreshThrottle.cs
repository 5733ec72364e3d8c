namespace MultichannelMessages.Front.Components.Dashboards;

/// <summary>
/// When a group of tiles reads its figures again. A busy project changes many times a second; the figures follow within a
/// minute, not per event: a change marks the groups stale, and a stale group is read again once at least
/// <see cref="Interval"/> has passed since its last reading. Rollups are kept by a Worker loop and may not yet include a
/// change when the group is read: <see cref="Read"/> keeps it stale then, so the next minute reads it again.
/// </summary>
public sealed class RefreshThrottle(TimeSpan interval)
{
    private readonly Dictionary<string, DateTimeOffset> _readAt = [];
    private readonly Dictionary<string, DateTimeOffset> _staleSince = [];

    public TimeSpan Interval => interval;

    /// <summary>Something changed at <paramref name="at"/> that the groups' figures may count.</summary>
    public void Changed(IEnumerable<string> groups, DateTimeOffset at)
    {
        foreach (var group in groups) _staleSince.TryAdd(group, at);
    }

    /// <summary>The stale groups whose last reading is at least an interval old; they are no longer stale.</summary>
    public IReadOnlyList<string> Due(DateTimeOffset now)
    {
        var due = _staleSince.Keys.Where(g => !_readAt.TryGetValue(g, out var last) || now - last >= interval).ToList();
        return due;
    }

    /// <summary>A group was read at <paramref name="at"/> with figures complete up to <paramref name="freshAt"/> (the
    /// oldest of its tiles'; null when all are read live). Still stale if the change came after what it includes.</summary>
    public void Read(string group, DateTimeOffset at, DateTimeOffset? freshAt = null)
    {
        _readAt[group] = at;
        if (_staleSince.TryGetValue(group, out var since) && (freshAt is null || freshAt >= since)) _staleSince.Remove(group);
    }

    public bool IsStale(string group) => _staleSince.ContainsKey(group);
}
