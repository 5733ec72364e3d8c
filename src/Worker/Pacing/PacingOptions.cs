using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Pacing;

/// <summary>Meta's send limits, kept on our side so its rate-limit errors (130429, 131056) stay near zero.</summary>
public sealed class PacingOptions
{
    public const string Section = "Pacing";

    public bool Enabled { get; set; } = true;

    /// <summary>Throughput of an account (WhatsApp number, page, Instagram account) unless listed in
    /// <see cref="Accounts"/>: 80 msg/s is a WhatsApp number's default.</summary>
    [Range(0.01, 100_000)]
    public double MessagesPerSecond { get; set; } = 80;

    /// <summary>Per-account throughput by external id (phone_number_id, page id): 1000 for an upgraded number,
    /// 20 for a number shared with the WhatsApp Business app (coexistence).</summary>
    public Dictionary<string, double> Accounts { get; set; } = [];

    /// <summary>WhatsApp pair rate (131056): about one message every 6 s to one user…</summary>
    [Range(0.001, 3_600)]
    public double RecipientIntervalSeconds { get; set; } = 6;

    /// <summary>…after a burst of up to this many.</summary>
    [Range(1, 10_000)]
    public int RecipientBurst { get; set; } = 45;

    /// <summary>A message whose turn comes within this time waits in memory; a later turn releases the row back to
    /// the outbox with that delay (so one chatty conversation does not hold the Worker's slots).</summary>
    [Range(0, 60_000)]
    public int MaxHoldMs { get; set; } = 5_000;

    public TimeSpan MaxHold => TimeSpan.FromMilliseconds(MaxHoldMs);

    public double RateFor(string accountExternalId) =>
        Accounts.TryGetValue(accountExternalId, out var rate) && rate > 0 ? rate : MessagesPerSecond;
}
