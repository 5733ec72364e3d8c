using MultichannelMessages.OpenAiSandbox.Requests;

namespace MultichannelMessages.OpenAiSandbox.Faults;

/// <summary>The faults set through <c>/sandbox/faults</c>, checked in the order they were added; the first that
/// applies to a request fires and uses up one of its count.</summary>
public sealed class FaultInjector(ILogger<FaultInjector> logger)
{
    private readonly Lock _lock = new();
    private readonly List<Fault> _faults = [];
    private int _nextId;

    public FaultView Add(FaultRequest request)
    {
        var fault = new Fault($"fault-{Interlocked.Increment(ref _nextId)}", request);
        lock (_lock)
            _faults.Add(fault);
        SandboxLog.FaultAdded(logger, fault.Id, request.Kind!, request.Endpoint, request.Count);
        return fault.View();
    }

    public IReadOnlyList<FaultView> List()
    {
        lock (_lock)
            return [.. _faults.Select(f => f.View())];
    }

    /// <summary>Every fault, or those of one scope.</summary>
    public int Clear(string? scope)
    {
        int count;
        lock (_lock)
            count = _faults.RemoveAll(f => scope is null || f.Request.Scope == scope);
        SandboxLog.FaultsCleared(logger, count);
        return count;
    }

    /// <summary>The first fault of one of <paramref name="kinds"/> for this endpoint and request, now fired.</summary>
    public FaultView? Fire(string endpoint, RequestScope scope, params string[] kinds)
    {
        lock (_lock)
        {
            var fault = _faults.FirstOrDefault(f => f.Remaining != 0 && kinds.Contains(f.Request.Kind)
                && (f.Request.Endpoint == "any" || f.Request.Endpoint == endpoint) && scope.Matches(f.Request.Scope));
            if (fault is null)
                return null;
            fault.Hits++;
            if (fault.Remaining is not null && --fault.Remaining == 0)
                _faults.Remove(fault);
            return fault.View();
        }
    }
}
