using System.Text;
using MultichannelMessages.Contracts.Mass;

namespace MultichannelMessages.Front.CoreApi;

public sealed partial class CoreApiClient
{
    /// <summary>The installation's WhatsApp price table (platform operators only).</summary>
    public Task<MessagePrice[]> MessagePricesAsync(CancellationToken ct = default) => GetAsync<MessagePrice[]>("platform/message-prices", ct);

    /// <summary>Replaces the table with a CSV (market,category,currency,price,effective_from); the Core API reads it.</summary>
    public Task<MessagePrice[]> ReplaceMessagePricesAsync(string csv, CancellationToken ct = default) =>
        SendAsync<MessagePrice[]>(HttpMethod.Put, "platform/message-prices.csv", new StringContent(csv, Encoding.UTF8, "text/csv"), ct);
}
