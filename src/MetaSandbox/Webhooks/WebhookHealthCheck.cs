using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MultichannelMessages.MetaSandbox.Webhooks;

/// <summary>Degraded (still 200) while the receiver refuses everything: the sandbox itself keeps answering.</summary>
public sealed class WebhookHealthCheck(WebhookStats stats, WebhookSender sender) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var s = stats.Snapshot();
        var data = new Dictionary<string, object>
        {
            ["receiver_configured"] = sender.Enabled,
            ["pending"] = s.Pending,
            ["delivered_items"] = s.DeliveredItems,
            ["failed_items"] = s.FailedItems,
            ["dropped_items"] = s.DroppedItems,
        };
        return Task.FromResult(stats.ReceiverFailing
            ? HealthCheckResult.Degraded("The webhook receiver refused the last webhook after every retry.", data: data)
            : HealthCheckResult.Healthy(data: data));
    }
}
