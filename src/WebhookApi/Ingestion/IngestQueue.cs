using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.WebhookApi.Ingestion;

/// <summary>The in-memory queue between request handlers (many writers) and the single flusher (one reader).</summary>
public sealed class IngestQueue
{
    private readonly Channel<WebhookEnvelope> _channel;

    public IngestQueue(IOptions<IngestOptions> options)
    {
        _channel = Channel.CreateBounded<WebhookEnvelope>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public ChannelReader<WebhookEnvelope> Reader => _channel.Reader;

    public int Depth => _channel.Reader.Count;

    /// <summary>False when the queue is full: the caller answers 503 and Meta redelivers later.</summary>
    public bool TryEnqueue(WebhookEnvelope envelope) => _channel.Writer.TryWrite(envelope);
}
