using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.MetaSandbox.Faults;

public enum FaultKind
{
    /// <summary>130429 (WhatsApp) / 613 (pages), answered at once.</summary>
    RateLimit,
    /// <summary>131056, the per-recipient pair rate limit.</summary>
    PairRateLimit,
    /// <summary>WhatsApp: accepted, then a failed status with 131047. Pages: refused at once (code 10).</summary>
    WindowClosed,
    /// <summary>WhatsApp: accepted, then a failed status with 131026. Pages: refused at once (code 551).</summary>
    Undeliverable,
    /// <summary>HTTP 500, code 1 "An unknown error occurred".</summary>
    ServerError,
    /// <summary>HTTP 503, code 2 "An unexpected error has occurred. Please retry your request later."</summary>
    ServiceUnavailable,
    /// <summary>Holds the request (DelayMs, default Sandbox:Faults:TimeoutHoldMs), then drops the connection, or
    /// accepts the send when AcceptAfterTimeout: the caller gave up on a message Meta did take.</summary>
    Timeout,
    /// <summary>Adds DelayMs of latency and then answers normally; combines with the other kinds.</summary>
    Slow,
    /// <summary>WhatsApp template sends: accepted, then a failed status with 131049 (Meta's per-user marketing limit).</summary>
    MarketingLimit,
    /// <summary>WhatsApp template sends: accepted, then a failed status with 131050 (the user stopped marketing messages).</summary>
    MarketingOptOut,
    /// <summary>WhatsApp: refused at once with 131048 "Spam rate limit hit". Pages: 613.</summary>
    SpamRate,
    /// <summary>WhatsApp template sends: refused at once with 132015 "Template is Paused".</summary>
    TemplatePaused,
}

/// <summary>Body of <c>POST /sandbox/faults</c>. Without Count or Percent the fault hits every matching call until
/// cleared; with both, it hits that share of calls until it has hit Count times.</summary>
public sealed record FaultRequest
{
    [Required(ErrorMessage = "kind is required: rate_limit, pair_rate_limit, window_closed, undeliverable, server_error, service_unavailable, timeout, slow, marketing_limit, marketing_opt_out, spam_rate or template_paused.")]
    public FaultKind? Kind { get; init; }

    [Range(1, int.MaxValue)]
    public int? Count { get; init; }

    [Range(0.0, 100.0)]
    public double? Percent { get; init; }

    [Range(0, 600_000)]
    public int? DelayMs { get; init; }

    /// <summary>Only calls for this phone number / page id; null: every account.</summary>
    public string? AccountId { get; init; }

    /// <summary>messages (the default), media, templates, calls (business-initiated connects) or any.</summary>
    [RegularExpression("^(messages|media|templates|calls|any)$")]
    public string Endpoint { get; init; } = "messages";

    /// <summary>Overrides the HTTP status of the error answer (Meta's table says 429 for throttling; some clients
    /// have seen 400).</summary>
    [Range(400, 599)]
    public int? HttpStatus { get; init; }

    public bool AcceptAfterTimeout { get; init; }
}

/// <summary>An active fault. Mutable counters, changed only under the <see cref="FaultInjector"/> lock.</summary>
public sealed class FaultRule(string id, FaultRequest request, DateTimeOffset createdAt)
{
    public string Id { get; } = id;
    public FaultRequest Request { get; } = request;
    public int? Remaining { get; private set; } = request.Count;
    public int Hits { get; private set; }

    /// <summary>Kinds that only Meta's template sends meet (marketing limits, a paused template) leave every other call
    /// alone, without using up their Count.</summary>
    public bool Applies(string endpoint, string accountId, bool template) =>
        (Request.Endpoint == "any" || Request.Endpoint == endpoint) &&
        (Request.AccountId is null || Request.AccountId == accountId) &&
        (template || Kind is not (FaultKind.MarketingLimit or FaultKind.MarketingOptOut or FaultKind.TemplatePaused));

    public bool Fire()
    {
        if (Remaining == 0)
            return false;
        if (Request.Percent is { } percent && Random.Shared.NextDouble() * 100 >= percent)
            return false;
        Remaining--;
        Hits++;
        return true;
    }

    public FaultKind Kind => Request.Kind ?? FaultKind.Slow;

    public FaultView View() => new(Id, Kind, Request.Count, Remaining, Request.Percent, Request.DelayMs,
        Request.AccountId, Request.Endpoint, Request.HttpStatus, Request.AcceptAfterTimeout, Hits, createdAt);
}

public sealed record FaultView(string Id, FaultKind Kind, int? Count, int? Remaining, double? Percent, int? DelayMs,
    string? AccountId, string Endpoint, int? HttpStatus, bool AcceptAfterTimeout, int Hits, DateTimeOffset CreatedAt);
