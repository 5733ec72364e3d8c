using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Mass;

/// <summary>Section <c>Mass</c>: the campaign loop (mass sends) and the number-health snapshots.</summary>
public sealed class CampaignOptions
{
    public const string Section = "Mass";

    /// <summary>Off for a Worker that must not send campaigns; several Workers share a campaign through leases.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often running campaigns are planned (a NOTIFY on 'mass' — a pause, a stop — plans at once).</summary>
    [Range(20, 10_000)]
    public int PlanIntervalMs { get; set; } = 200;

    /// <summary>How far ahead recipients are claimed: a claim holds at most this much of the campaign's rate.</summary>
    [Range(100, 10_000)]
    public int PlanAheadMs { get; set; } = 1_000;

    /// <summary>How long a claimed batch is ours; must outlast the plan-ahead plus a Graph call (checked at start).</summary>
    [Range(5, 3_600)]
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>Graph requests of campaigns in flight at once (the one-to-one outbox has its own).</summary>
    [Range(1, 1_000)]
    public int MaxParallelSends { get; set; } = 32;

    /// <summary>Share of a number's throughput kept for one-to-one replies: a campaign never plans above
    /// throughput × (1 − this), so an agent's reply never waits behind it.</summary>
    [Range(0.0, 0.9)]
    public double OneToOneReserve { get; set; } = 0.1;

    /// <summary>Attempts of a recipient that keeps failing transiently before it fails.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>131049 (Meta's per-user marketing cap): the recipient is tried again no earlier than this.</summary>
    [Range(1, 720)]
    public int MarketingLimitRetryHours { get; set; } = 24;

    /// <summary>How long a send whose outcome is unknown waits for Meta's status (which carries our message id) before
    /// it is sent again; as the outbox's Outbox:ConfirmationWindowSeconds.</summary>
    [Range(1, 86_400)]
    public int ConfirmationWindowSeconds { get; set; } = 300;

    /// <summary>Number-health snapshots: a number without one for this long gets one (signals take one at once).</summary>
    [Range(10, 86_400)]
    public int HealthSnapshotSeconds { get; set; } = 300;

    /// <summary>How often each WhatsApp number's quality rating, messaging limit and throughput are read from the Graph
    /// API (the webhooks keep them current in between; this catches a change whose webhook was lost or never sent).</summary>
    [Range(30, 86_400)]
    public int LimitsRefreshSeconds { get; set; } = 900;

    public TimeSpan PlanInterval => TimeSpan.FromMilliseconds(PlanIntervalMs);
    public TimeSpan PlanAhead => TimeSpan.FromMilliseconds(PlanAheadMs);
    public TimeSpan ConfirmationWindow => TimeSpan.FromSeconds(ConfirmationWindowSeconds);
}
