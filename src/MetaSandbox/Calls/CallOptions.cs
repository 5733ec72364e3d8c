using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.MetaSandbox.Calls;

/// <summary>Section <c>Sandbox:Calls</c>: Meta's calling limits and timers. The limits are read from here, never
/// hard-coded, because Meta's own pages disagree on them (see docs/meta-sandbox-calls.md).</summary>
public sealed class CallOptions : IValidatableObject
{
    public const string Section = "Sandbox:Calls";

    /// <summary>How long a user-initiated call rings before the business must have accepted it. Meta: "about 30 to
    /// 60 seconds after the Call Connect webhook"; the sandbox takes the strict end.</summary>
    [Range(1, 600)]
    public int AcceptWindowSeconds { get; set; } = 30;

    /// <summary>How long a business-initiated call rings on the user's phone before it ends unanswered.</summary>
    [Range(1, 600)]
    public int RingTimeoutSeconds { get; set; } = 60;

    /// <summary>Call permission requests per business number and user in 24 hours (Meta: 1).</summary>
    [Range(1, 1000)]
    public int PermissionRequestsPerDay { get; set; } = 1;

    /// <summary>Call permission requests per business number and user in 7 days (Meta: 2).</summary>
    [Range(1, 1000)]
    public int PermissionRequestsPerWeek { get; set; } = 2;

    /// <summary>Connected business-initiated calls per business number and user in 24 hours (Meta's permissions page:
    /// 100; an earlier copy said 10, the troubleshooting page and the sample response 5).</summary>
    [Range(1, 10_000)]
    public int ConnectedCallsPerDay { get; set; } = 100;

    /// <summary>A temporary permission lasts 7 days (168 hours) from the user's approval.</summary>
    [Range(1, 10_000)]
    public int TemporaryPermissionHours { get; set; } = 168;

    /// <summary>Consecutive unanswered business-initiated calls after which the user's permission is revoked (Meta: 4).</summary>
    [Range(1, 100)]
    public int UnansweredCallsBeforeRevoke { get; set; } = 4;

    /// <summary>Concurrent calls per business number (Meta: 1,000; error 138002 beyond).</summary>
    [Range(1, 100_000)]
    public int ConcurrentCallsPerNumber { get; set; } = 1_000;

    /// <summary>GET call_permissions requests per number per second (Meta: 100; 613 beyond).</summary>
    [Range(1, 100_000)]
    public int PermissionLookupsPerSecond { get; set; } = 100;

    /// <summary>Delay of the webhooks that follow a Graph call (connect answer, RINGING, terminate), in ms.</summary>
    [Range(0, 60_000)]
    public int WebhookDelayMs { get; set; } = 20;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PermissionRequestsPerWeek < PermissionRequestsPerDay)
            yield return new ValidationResult(
                $"Sandbox:Calls:PermissionRequestsPerWeek ({PermissionRequestsPerWeek}) cannot be below PermissionRequestsPerDay ({PermissionRequestsPerDay}).");
    }
}
