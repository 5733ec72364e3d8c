using System.Threading.Channels;
using Npgsql;

namespace MultichannelMessages.Worker.Outbox;

/// <summary>
/// Group commit for the outbox's writes: concurrent senders queue their start marks and outcomes, one loop per lane
/// writes whatever has gathered in one batch (one round trip, one commit) and completes each caller's task. Measured
/// on 2 cores: a commit of complete_outbox costs ~1 ms, mostly its NOTIFY; batched, the cost is shared. Start marks
/// have their own lane so a request never waits behind a batch of outcomes.
/// </summary>
public sealed class OutboxWriteQueue : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private readonly OutboxStore _store;
    private readonly Lane _starts;
    private readonly Lane _outcomes;

    public OutboxWriteQueue(OutboxStore store)
    {
        _store = store;
        _starts = new Lane(this);
        _outcomes = new Lane(this);
    }

    /// <summary>Whether the lease was still ours; throws when the database could not be written.</summary>
    public Task<bool> WriteAsync(OutboxWrite write) => (write is StartSend ? _starts : _outcomes).Enqueue(write);

    public async ValueTask DisposeAsync()
    {
        await _starts.CompleteAsync();
        await _outcomes.CompleteAsync();
    }

    private sealed record Pending(OutboxWrite Write, TaskCompletionSource<bool> Done);

    private sealed class Lane
    {
        // Synchronous continuations: a write queued while the lane waits starts on the caller's thread at once, rather
        // than after a hop through the thread pool (on a busy machine, a wait for a core, on a reply's way to Meta).
        // The lane's loop runs only until its write is on the wire; the caller's own continuation stays asynchronous.
        private readonly Channel<Pending> _channel = Channel.CreateUnbounded<Pending>(
            new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
        private readonly OutboxWriteQueue _owner;
        private readonly Task _loop;

        public Lane(OutboxWriteQueue owner)
        {
            _owner = owner;
            _loop = Task.Run(RunAsync);
        }

        public Task<bool> Enqueue(OutboxWrite write)
        {
            var pending = new Pending(write, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
            if (!_channel.Writer.TryWrite(pending)) pending.Done.SetException(new ObjectDisposedException(nameof(OutboxWriteQueue)));
            return pending.Done.Task;
        }

        /// <summary>Writes what is queued, then stops (at host shutdown, after the pump has finished).</summary>
        public Task CompleteAsync()
        {
            _channel.Writer.TryComplete();
            return _loop;
        }

        private async Task RunAsync()
        {
            var batch = new List<Pending>(MaxBatch);
            while (await _channel.Reader.WaitToReadAsync())
            {
                while (batch.Count < MaxBatch && _channel.Reader.TryRead(out var next)) batch.Add(next);
                await WriteAsync(batch);
                batch.Clear();
            }
        }

        private async Task WriteAsync(List<Pending> batch)
        {
            try
            {
                var results = await _owner._store.WriteAsync(batch.ConvertAll(p => p.Write), CancellationToken.None);
                for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(results[i]);
            }
            catch (PostgresException) when (batch.Count > 1)
            {
                // One statement the database refused rolls the whole batch back: write them one by one so the
                // others are not held hostage by it.
                foreach (var pending in batch) await WriteOneAsync(pending);
            }
            catch (Exception ex)
            {
                foreach (var pending in batch) pending.Done.TrySetException(ex);
            }
        }

        private async Task WriteOneAsync(Pending pending)
        {
            try { pending.Done.TrySetResult(await _owner._store.WriteAsync(pending.Write, CancellationToken.None)); }
            catch (Exception ex) { pending.Done.TrySetException(ex); }
        }
    }
}
