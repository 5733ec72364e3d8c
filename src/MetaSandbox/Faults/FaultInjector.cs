using Microsoft.Extensions.Options;

namespace MultichannelMessages.MetaSandbox.Faults;

/// <summary>What the active faults do to one call: latency to add, and at most one outcome.</summary>
public readonly record struct FaultDecision(TimeSpan Latency, FaultView? Outcome);

/// <summary>The faults set through <c>/sandbox/faults</c>, checked in the order they were added.</summary>
public sealed class FaultInjector(IOptions<FaultOptions> options, TimeProvider time, ILogger<FaultInjector> logger)
{
    private readonly Lock _lock = new();
    private readonly List<FaultRule> _rules = [];
    private int _nextId;

    public FaultView Add(FaultRequest request)
    {
        var rule = new FaultRule($"fault-{Interlocked.Increment(ref _nextId)}", request, time.GetUtcNow());
        lock (_lock)
            _rules.Add(rule);
        SandboxLog.FaultAdded(logger, rule.Id, rule.Kind.ToString(), request.Endpoint, request.Count, request.Percent);
        return rule.View();
    }

    public IReadOnlyList<FaultView> List()
    {
        lock (_lock)
            return [.. _rules.Select(r => r.View())];
    }

    public bool Remove(string id)
    {
        lock (_lock)
            return _rules.RemoveAll(r => r.Id == id) > 0;
    }

    public int Clear()
    {
        int count;
        lock (_lock)
        {
            count = _rules.Count;
            _rules.Clear();
        }
        SandboxLog.FaultsCleared(logger, count);
        return count;
    }

    /// <summary>Every matching slow fault adds its latency; the first matching outcome fault that fires wins.
    /// Each fault that fires uses up one of its Count.</summary>
    public FaultDecision Decide(string endpoint, string accountId, bool template = false)
    {
        var latency = TimeSpan.Zero;
        FaultView? outcome = null;
        lock (_lock)
        {
            foreach (var rule in _rules)
            {
                if (!rule.Applies(endpoint, accountId, template))
                    continue;
                if (rule.Kind == FaultKind.Slow)
                {
                    if (rule.Fire())
                        latency += TimeSpan.FromMilliseconds(rule.Request.DelayMs ?? options.Value.SlowDelayMs);
                }
                else if (outcome is null && rule.Fire())
                {
                    outcome = rule.View();
                }
            }
        }
        return new FaultDecision(latency, outcome);
    }
}
