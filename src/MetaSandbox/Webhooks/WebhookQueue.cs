using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.MetaSandbox.Webhooks;

/// <summary>Items due now, waiting for a dispatcher worker. Bounded: a receiver that is down for long must not take
/// the sandbox's memory with it.</summary>
public sealed class WebhookQueue(IOptions<WebhookOptions> options, WebhookStats stats, ILogger<WebhookQueue> logger)
{
    private readonly Channel<WebhookItem> _channel = Channel.CreateBounded<WebhookItem>(
        new BoundedChannelOptions(options.Value.QueueCapacity) { FullMode = BoundedChannelFullMode.Wait });

    public ChannelReader<WebhookItem> Reader => _channel.Reader;

    public void Enqueue(WebhookItem item)
    {
        if (_channel.Writer.TryWrite(item))
            return;
        stats.Dropped();
        WebhookLog.Dropped(logger, item.Object, item.Field ?? "messaging");
    }
}
