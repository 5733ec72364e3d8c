namespace MultichannelMessages.Worker.Outbox;

/// <summary>Ends the pump's idle wait early: set by a NOTIFY on 'outbox' (see <see cref="OutboxListener"/>).
/// Several signals while the pump is busy collapse into one.</summary>
public sealed class OutboxWakeup
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
