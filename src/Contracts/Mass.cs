namespace MultichannelMessages.Contracts.Mass;

// Mass sends: campaigns of one approved template from one WhatsApp number to an audience, approved by a second
// person, sent by the Worker at a rate within Meta's limits, stopped by number health. And number health itself.

/// <param name="Variables">Template variable key → where its value comes from: {"column":"first_name"} (a CSV column),
/// {"source":"contact.name"|"contact.first_name"|"contact.phone"|"attribute:&lt;key&gt;"} or {"value":"…"} (the same for
/// everyone). A key without an entry reads the CSV column named like it.</param>
/// <param name="RatePerSecond">Messages per second, never above the number's throughput (80; 1,000 upgraded; 20 for a
/// number shared with the WhatsApp Business app).</param>
/// <param name="MarketingLimitPolicy">131049 (Meta's per-user marketing cap): reschedule (again no earlier than 24 h
/// later) or drop.</param>
/// <param name="WindowStart">Send only between these local hours of the recipient's country (HH:mm); both or neither.</param>
public sealed record CampaignRequest(string? Name, long? AccountId, long? TemplateId, Dictionary<string, CampaignVariable>? Variables,
    decimal? RatePerSecond, int? DailyCap, string? MarketingLimitPolicy, DateTimeOffset? ScheduledAt, string? WindowStart, string? WindowEnd);

public sealed record CampaignVariable(string? Column, string? Source, string? Value);

/// <param name="Status">draft, submitted, approved, scheduled, sending, paused, completed, stopped, cancelled.</param>
/// <param name="NeedsAck">It paused itself (StopCode/StopReason say why): resuming needs a supervisor to acknowledge it.</param>
/// <param name="PlannerNote">The Worker's words on why it is not sending faster (budget, cap, window).</param>
public sealed record CampaignItem(long Id, string Name, string Status, long AccountId, string? AccountName, long TemplateId, string? TemplateName,
    string? TemplateLanguage, string? TemplateCategory, int Revision, decimal RatePerSecond, int? DailyCap, string MarketingLimitPolicy,
    DateTime? ScheduledAt, string? WindowStart, string? WindowEnd, long? CreatedBy, string? CreatedByName, DateTime CreatedAt,
    long? SubmittedBy, DateTime? SubmittedAt, long? ApprovedBy, string? ApprovedByName, DateTime? ApprovedAt, string? ReviewNote,
    DateTime? StartedAt, DateTime? CompletedAt, DateTime? PausedAt, string? StopCode, string? StopReason, bool NeedsAck,
    string? PlannerNote, string Variables, CampaignFunnel Funnel);

/// <param name="Targeted">Recipients that were not excluded by the validation.</param>
/// <param name="Failures">Failed and skipped recipients by Meta's code (or by reason when Meta gave none).</param>
public sealed record CampaignFunnel(long Targeted, long Excluded, long Pending, long Sending, long Sent, long Delivered, long Read,
    long Replied, long Failed, long Skipped, long Held, string Failures);

/// <param name="Reason">Why a row is excluded (invalid_number, duplicate, opted_out, no_opt_in, missing_variable) or
/// skipped/failed; null for rows that are fine.</param>
public sealed record AudienceCount(string Status, string? Reason, long Count);

/// <param name="Rows">Rows read (a header line is not a row).</param>
/// <param name="Added">Rows that will be sent.</param>
/// <param name="Excluded">Rows that will not, each with its reason in the report.</param>
public sealed record AudienceResult(int Rows, int Added, int Excluded, AudienceCount[] Summary);

/// <summary>An audience from existing contacts (WhatsApp), every filter optional; all given must match.</summary>
public sealed record ContactAudienceRequest(long[]? TagIds, long? QueueId, string? AttributeKey, string? AttributeValue,
    DateTimeOffset? LastContactAfter, DateTimeOffset? LastContactBefore, bool Replace = false);

public sealed record RecipientItem(long Id, int? RowNumber, string Source, string? PhoneRaw, string? WaId, string? Name, string? Language,
    string Status, string? Reason, string Variables, long? ConversationId, string? ProviderMessageId, DateTime? SentAt, DateTime? DeliveredAt,
    DateTime? ReadAt, DateTime? RepliedAt, DateTime? FailedAt, int? ErrorCode, string? ErrorTitle, DateTime NextAttemptAt);

/// <summary>One recipient's message as it will be sent: the template in their language with their values.</summary>
public sealed record RecipientPreview(long RecipientId, string? WaId, string? Name, string? Language, string? TemplateLanguage, string? Body,
    string? Missing);

/// <param name="Note">The approver's or rejecter's words; for pause and stop, why.</param>
/// <param name="At">schedule: when to start (default: as planned, else now).</param>
/// <param name="Acknowledge">resume: the campaign stopped itself and the caller acknowledges the reason.</param>
public sealed record CampaignAction(string? Note, DateTimeOffset? At, bool Acknowledge = false);

/// <param name="Level">healthy, at_risk or critical; null before the first snapshot.</param>
/// <param name="Breakdown">JSON: factors [{code, value, penalty, critical, message, …}], the 24 h window's counts,
/// the baseline and the portfolio's limit use.</param>
public sealed record NumberHealthItem(long AccountId, string Name, string? DisplayPhoneNumber, int? Score, string? Level, DateTime? At,
    string? QualityRating, string? MessagingLimit, string? Restriction, DateTime? RestrictionUntil, string? Breakdown);

public sealed record NumberHealthPoint(DateTime TakenAt, int Score, string Level, string Breakdown, string Trigger);

/// <summary>What a campaign will cost and how long it will take, before it is submitted (the wizard's review step).</summary>
/// <param name="Recipients">Recipients that will be sent (excluded rows are not counted).</param>
/// <param name="FreeInWindow">Utility templates delivered inside an open service window are free: those recipients.</param>
/// <param name="TotalCost">Sum of the priced lines; null when no line has a price.</param>
/// <param name="Unpriced">Recipients in markets the price table does not cover (their cost is not in TotalCost).</param>
/// <param name="PortfolioLimit">Meta's messaging limit of the number's business portfolio (unique recipients outside a
/// service window in a moving 24 h); null when unlimited or not known.</param>
/// <param name="PortfolioRemaining">What is left of it now, other campaigns and one-to-one initiations included.</param>
/// <param name="EstimatedMinutes">At the campaign's rate and within its caps, ignoring the send window.</param>
/// <param name="Days">Days the caps (daily cap, portfolio limit) spread the campaign over.</param>
/// <param name="Warnings">Stable codes: over_portfolio_limit, over_daily_cap, unpriced_markets, number_at_risk,
/// number_critical, rate_above_throughput, prices_stale.</param>
public sealed record CampaignEstimate(long Recipients, long FreeInWindow, string Category, string? Currency, decimal? TotalCost, long Unpriced,
    CampaignCostLine[] Lines, DateOnly? PricesEffective, int? PortfolioLimit, long? PortfolioRemaining, int? DailyCap, decimal RatePerSecond,
    int Throughput, double EstimatedMinutes, int Days, string? HealthLevel, string[] Warnings);

/// <param name="Market">The recipient's country (ISO 3166 alpha-2) as the price table names it.</param>
/// <param name="Price">Per delivered message in the table's currency; null when the table has no price for it.</param>
public sealed record CampaignCostLine(string Market, long Recipients, decimal? Price, decimal? Cost);

/// <summary>One minute of a campaign's sending, for the live rate chart.</summary>
public sealed record CampaignRatePoint(DateTime Minute, long Sent, long Delivered, long Read, long Failed);

/// <summary>One row of the installation's WhatsApp price table (Meta charges per delivered template message, by the
/// recipient's market and the template's category).</summary>
/// <param name="Market">ISO 3166 alpha-2 country, or "*" for every market without its own row.</param>
/// <param name="Category">marketing, utility or authentication.</param>
public sealed record MessagePrice(string Market, string Category, string Currency, decimal Price, DateOnly EffectiveFrom);
