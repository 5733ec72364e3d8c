namespace MultichannelMessages.Worker.Loops;

/// <summary>Ends a loop's idle wait early: set by a NOTIFY on the loop's channel. Several signals while the loop is
/// busy collapse into one.</summary>
public class Wakeup
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Signal()
    {
        try { _signal.Release(); }
        catch (SemaphoreFullException) { }
    }

    /// <summary>True when signalled, false when the timeout passed.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}
