using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Calls;

/// <summary>Section <c>Calls</c>: the call actions loop (docs/calls.md, "The Worker's call actions") and the ring-timeout
/// sweep. The rules between settings and Graph:TimeoutSeconds are checked at start (WorkerExtensions.AddCalls).</summary>
public sealed class CallActionOptions : IValidatableObject
{
    public const string Section = "Calls";

    public bool Enabled { get; set; } = true;

    /// <summary>Actions wake the loop on NOTIFY call_actions; the poll catches retries that came due and a lost
    /// notification. Short: an accept has seconds, not minutes.</summary>
    [Range(20, 60_000)]
    public int PollIntervalMs { get; set; } = 1_000;

    /// <summary>Actions worked at once (each waits on Meta most of its time).</summary>
    [Range(1, 256)]
    public int MaxParallel { get; set; } = 16;

    /// <summary>Must outlast an accept's two Graph calls (checked at start against Graph:TimeoutSeconds).</summary>
    [Range(5, 3_600)]
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>Transient failures of terminate, reject, settings and lookups are retried this many times. Accepts and
    /// connects are bounded by time instead (<see cref="AcceptWindowSeconds"/>, <see cref="RingTimeoutSeconds"/>).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    [Range(10, 3_600_000)]
    public int RetryBaseDelayMs { get; set; } = 1_000;

    [Range(10, 86_400_000)]
    public int RetryMaxDelayMs { get; set; } = 300_000;

    /// <summary>An accept's (and a connect's) retries after a transient failure: quick, the caller is waiting.</summary>
    [Range(10, 10_000)]
    public int AcceptRetryDelayMs { get; set; } = 500;

    /// <summary>How long after the connect webhook an inbound call can still be accepted. Meta: "about 30 to 60
    /// seconds"; the strict end. Retries stop here (a late accept is 138007 anyway).</summary>
    [Range(5, 600)]
    public int AcceptWindowSeconds { get; set; } = 30;

    /// <summary>An inbound call still ringing this long after it came with no terminate webhook is missed; an outbound
    /// call still connecting this long fails. Longer than the accept window plus a Graph call (checked at start), so
    /// Meta's own terminate normally comes first and an accept in flight is never swept.</summary>
    [Range(10, 3_600)]
    public int RingTimeoutSeconds { get; set; } = 60;

    /// <summary>How often the ring-timeout sweep runs.</summary>
    [Range(100, 600_000)]
    public int SweepIntervalMs { get; set; } = 2_000;

    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollIntervalMs);
    public TimeSpan AcceptWindow => TimeSpan.FromSeconds(AcceptWindowSeconds);
    public TimeSpan RingTimeout => TimeSpan.FromSeconds(RingTimeoutSeconds);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetryMaxDelayMs < RetryBaseDelayMs)
            yield return new ValidationResult(
                $"Calls:RetryMaxDelayMs ({RetryMaxDelayMs}) cannot be below Calls:RetryBaseDelayMs ({RetryBaseDelayMs}).");
    }
}
