namespace MultichannelMessages.Worker.Tests.Support;

/// <summary>A clock that moves only when told: pacing and backoff decisions become exact numbers.</summary>
public sealed class ManualClock : TimeProvider
{
    private long _ticks = TimeSpan.FromHours(1).Ticks;
    private readonly DateTimeOffset _epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => Interlocked.Read(ref _ticks);
    public override DateTimeOffset GetUtcNow() => _epoch + TimeSpan.FromTicks(GetTimestamp());

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
