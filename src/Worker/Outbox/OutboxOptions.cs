using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Outbox;

public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>Off only for a Worker that runs other loops; several Workers may pump the same outbox.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Identifies this Worker in leases and heartbeats. Default: machine name, process id and a random
    /// suffix, so two Workers never share one (a shared id would let one complete the other's lease).</summary>
    [MaxLength(200)]
    public string? WorkerId { get; set; }

    /// <summary>Rows claimed per database round trip (and most rows one Worker holds at once).</summary>
    [Range(1, 1_000)]
    public int BatchSize { get; set; } = 50;

    /// <summary>Graph requests in flight at once.</summary>
    [Range(1, 1_000)]
    public int MaxParallelSends { get; set; } = 32;

    /// <summary>Wait between claims when nothing is due. A NOTIFY on 'outbox' ends the wait early.</summary>
    [Range(10, 60_000)]
    public int PollIntervalMs { get; set; } = 200;

    /// <summary>LISTEN on 'outbox' (the Core API notifies on send) so a new message goes out without waiting for
    /// the next poll.</summary>
    public bool ListenForNotifications { get; set; } = true;

    /// <summary>How long a claim is ours. Must exceed the Graph timeout plus the longest pacing hold (checked at
    /// start): a send still in flight is never claimed by another Worker.</summary>
    [Range(5, 3_600)]
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>Attempts (claims) before a message that keeps failing transiently is dead-lettered.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>First retry delay; doubles with every attempt (with jitter) up to <see cref="RetryMaxDelayMs"/>.</summary>
    [Range(10, 3_600_000)]
    public int RetryBaseDelayMs { get; set; } = 1_000;

    [Range(100, 86_400_000)]
    public int RetryMaxDelayMs { get; set; } = 300_000;

    /// <summary>How long a WhatsApp send whose outcome is unknown (timeout, connection broken mid-request, Worker died)
    /// waits for Meta's status webhook, which carries our message id as biz_opaque_callback_data and confirms it.
    /// Meta posts the "sent" status within seconds; the default allows for webhooks delayed by minutes.</summary>
    [Range(1, 86_400)]
    public int ConfirmationWindowSeconds { get; set; } = 300;

    /// <summary>A WhatsApp send still unconfirmed after the window is sent again (true: with status webhooks flowing,
    /// silence means Meta never took it) or failed as in doubt for the agent to decide (false). Messenger and
    /// Instagram statuses carry no callback data: their in-doubt sends always fail as in doubt.</summary>
    public bool ResendUnconfirmed { get; set; } = true;

    public TimeSpan ConfirmationWindow => TimeSpan.FromSeconds(ConfirmationWindowSeconds);
    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollIntervalMs);
    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);
}
