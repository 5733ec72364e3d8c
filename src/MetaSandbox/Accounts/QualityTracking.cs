using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.MetaSandbox.Accounts;

/// <summary>
/// A number's rating driven by its own sends, as Meta drives it by blocks and failed deliveries: over the last
/// <see cref="Window"/> outcomes, a failed share above <see cref="YellowAbove"/> means YELLOW, above
/// <see cref="RedAbove"/> RED. Set at registration or through <c>PUT /sandbox/accounts/{id}/quality-tracking</c>.
/// </summary>
public sealed record QualityTracking
{
    [Range(1, 100_000)]
    public int Window { get; init; } = 200;

    [Range(0.0, 1.0)]
    public double YellowAbove { get; init; } = 0.05;

    [Range(0.0, 1.0)]
    public double RedAbove { get; init; } = 0.10;

    public string? Problem() =>
        Window is < 1 or > 100_000 ? "quality_tracking.window must be 1 to 100000."
        : YellowAbove is < 0 or > 1 || RedAbove is < 0 or > 1 ? "quality_tracking thresholds are shares from 0 to 1."
        : YellowAbove > RedAbove ? "quality_tracking.yellow_above must not be above red_above."
        : null;
}

/// <summary>
/// Counts the blocked and failed outcomes (131026 undeliverable, 131048 spam rate, 131049 marketing limit) of each
/// tracked number's last sends. Once the window is full, the rating moves one step per send towards what the share
/// says (GREEN → YELLOW → RED, and back), through the same path as <c>/sandbox/accounts/{id}/quality</c>: a
/// phone_number_quality_update webhook per step.
/// </summary>
public sealed class QualityTracker(AccountRegistry accounts, QualityPublisher publisher)
{
    private static readonly HashSet<int> Counted = [131026, 131048, 131049];
    private static readonly string[] Steps = ["GREEN", "YELLOW", "RED"];
    private readonly ConcurrentDictionary<string, Queue<bool>> _outcomes = new(StringComparer.Ordinal);

    public void Record(SandboxAccount account, int? code)
    {
        if (accounts.Find(account.Id)?.QualityTracking is not { } tracking)
            return;
        var window = _outcomes.GetOrAdd(account.Id, _ => new Queue<bool>());
        // The decision and the webhook under one lock: two sends finishing together must not both announce YELLOW.
        lock (window)
        {
            window.Enqueue(code is { } c && Counted.Contains(c));
            while (window.Count > tracking.Window)
                window.Dequeue();
            if (window.Count < tracking.Window)
                return;
            var share = (double)window.Count(failed => failed) / window.Count;
            var target = share > tracking.RedAbove ? 2 : share > tracking.YellowAbove ? 1 : 0;
            var now = Math.Max(0, Array.IndexOf(Steps, accounts.Find(account.Id)!.QualityRating));
            if (target != now)
                publisher.Change(account.Id, new QualityChangeRequest(Steps[now + Math.Sign(target - now)], null, null));
        }
    }

    /// <summary>A new setting starts from an empty window.</summary>
    public void Reset(string accountId) => _outcomes.TryRemove(accountId, out _);
}
