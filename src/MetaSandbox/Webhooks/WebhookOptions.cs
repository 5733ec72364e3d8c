using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.MetaSandbox.Webhooks;

/// <summary>Section <c>Sandbox:Webhooks</c>: how webhooks are batched, posted and retried.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Sandbox:Webhooks";

    /// <summary>Meta retries an unanswered or non-2xx webhook for hours; the sandbox retries a bounded few times.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 5;

    [Range(1, 60_000)]
    public int RetryBaseDelayMs { get; set; } = 200;

    [Range(1, 600_000)]
    public int RetryMaxDelayMs { get; set; } = 5_000;

    [Range(100, 300_000)]
    public int TimeoutMs { get; set; } = 10_000;

    /// <summary>Most items (statuses, messages) in one POST when many are due at once. 1 disables batching.</summary>
    [Range(1, 1_000)]
    public int MaxBatchSize { get; set; } = 50;

    /// <summary>POSTs in flight at once. Above 1, webhooks may arrive out of order, as Meta's do.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 4;

    [Range(100, 10_000_000)]
    public int QueueCapacity { get; set; } = 200_000;
}
