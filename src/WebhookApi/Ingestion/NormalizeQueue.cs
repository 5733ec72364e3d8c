using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.WebhookApi.Ingestion;

/// <summary>
/// The events the raw stage stored, on their way to the normalizing stage of the same process. Bounded by
/// Ingest:MaxNormalizeBacklog: when normalization falls that far behind (a burst above what it sustains), the raw stage
/// waits, so acknowledgements slow down and the console's lag stays bounded, instead of memory growing without end.
/// Read by Ingest:Normalizers stages at once.
/// </summary>
public sealed class NormalizeQueue(IOptions<IngestOptions> options)
{
    private readonly Channel<PendingEvent> _channel = Channel.CreateBounded<PendingEvent>(
        new BoundedChannelOptions(options.Value.MaxNormalizeBacklog) { SingleReader = options.Value.Normalizers == 1, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    public ChannelReader<PendingEvent> Reader => _channel.Reader;

    public int Depth => _channel.Reader.Count;

    public ValueTask AddAsync(PendingEvent pending, CancellationToken ct) => _channel.Writer.WriteAsync(pending, ct);

    /// <summary>No more events: the raw stage has drained and stopped.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
