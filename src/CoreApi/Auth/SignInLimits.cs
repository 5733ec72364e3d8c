using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;

namespace MultichannelMessages.CoreApi.Auth;

/// <summary>Section <c>Auth</c>: how fast sign-ins may come.</summary>
public sealed class SignInLimitOptions
{
    public const string Section = "Auth";

    /// <summary>Attempts per e-mail address per minute: enough for a person who mistyped, too few for guessing.</summary>
    [Range(1, 1_000)]
    public int SignInsPerAccountPerMinute { get; set; } = 10;

    /// <summary>Sign-ins per client address per minute. Every agent signs in through the console server, one address,
    /// so this only stops a flood; guessing is stopped per account, and the console limits each real client address
    /// itself. Refreshes are not counted here: a sign-in flood must not stop agents' sessions from refreshing.</summary>
    [Range(1, 100_000)]
    public int RequestsPerAddressPerMinute { get; set; } = 600;

    /// <summary>Refreshes per session per minute. A console refreshes about once per access-token lifetime; this
    /// stops a loop, never a person.</summary>
    [Range(1, 10_000)]
    public int RefreshesPerSessionPerMinute { get; set; } = 30;
}

/// <summary>The per-session limit on refreshes: by session, not by address, because every console session refreshes
/// from the console server's one address.</summary>
public sealed class RefreshThrottle(Microsoft.Extensions.Options.IOptions<SignInLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<long> _limiter = PartitionedRateLimiter.Create<long, long>(session =>
        RateLimitPartition.GetFixedWindowLimiter(session, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.RefreshesPerSessionPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    public bool TryRefresh(long sessionId)
    {
        using var lease = _limiter.AttemptAcquire(sessionId);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>
/// The per-account limit on sign-in attempts. A per-address limit alone would both fail and harm here: the console
/// signs every agent in from its own server address (so at a shift change ten agents would lock out the eleventh),
/// and a guesser changes addresses more easily than targets.
/// </summary>
public sealed class SignInThrottle(Microsoft.Extensions.Options.IOptions<SignInLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(email =>
        RateLimitPartition.GetFixedWindowLimiter(email, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.SignInsPerAccountPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    /// <summary>False when this e-mail address has had its attempts for the current minute.</summary>
    public bool TryAttempt(string email)
    {
        using var lease = _limiter.AttemptAcquire(email.Trim().ToLowerInvariant());
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
