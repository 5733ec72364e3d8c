namespace MultichannelMessages.CoreApi.Tests;

/// <summary>The Core API's clock, moved by the test (the window rule reads it through TimeProvider).</summary>
public sealed class SettableClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}
