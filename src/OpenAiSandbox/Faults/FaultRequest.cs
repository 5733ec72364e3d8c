using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.OpenAiSandbox.Faults;

public static class FaultKinds
{
    /// <summary>Answer an error status: 429 (rate_limit_exceeded, or insufficient_quota with that code), 500, 503…</summary>
    public const string Status = "status";

    /// <summary>Hold the request DelayMs (default Sandbox:TimeoutHoldMs), then answer it normally: a client with a
    /// shorter timeout has given up by then.</summary>
    public const string Timeout = "timeout";

    /// <summary>Chat only: a json_schema/json_object answer whose content is not valid JSON, or tool calls whose
    /// arguments break the tool's schema. A plain-text answer is left alone and does not use up the count.</summary>
    public const string Malformed = "malformed";
}

/// <summary>Body of <c>POST /sandbox/faults</c>. Without Count the fault hits every matching request until cleared.</summary>
public sealed record FaultRequest
{
    [Required, RegularExpression("^(status|timeout|malformed)$", ErrorMessage = "kind must be status, timeout or malformed.")]
    public string? Kind { get; init; }

    [RegularExpression("^(chat|embeddings|transcriptions|any)$", ErrorMessage = "endpoint must be chat, embeddings, transcriptions or any.")]
    public string Endpoint { get; init; } = "any";

    /// <summary>Kind status: the HTTP status (default 429).</summary>
    [Range(400, 599)]
    public int? Status { get; init; }

    /// <summary>Kind status 429: rate_limit_exceeded (default) or insufficient_quota.</summary>
    [RegularExpression("^(rate_limit_exceeded|insufficient_quota)$")]
    public string? Code { get; init; }

    /// <summary>Kind status 429: the retry-after (seconds, rounded up) and retry-after-ms headers; default 1000.</summary>
    [Range(0, 600_000)]
    public int? RetryAfterMs { get; init; }

    /// <summary>Kind timeout: how long to hold the request.</summary>
    [Range(0, 600_000)]
    public int? DelayMs { get; init; }

    [Range(1, int.MaxValue)]
    public int? Count { get; init; }

    /// <summary>Only requests whose system prompt (or transcription prompt) contains this, or whose API key equals it.</summary>
    public string? Scope { get; init; }
}

/// <summary>An active fault. Its remaining count changes only under the <see cref="FaultInjector"/> lock.</summary>
public sealed class Fault(string id, FaultRequest request)
{
    public string Id { get; } = id;
    public FaultRequest Request { get; } = request;
    public int? Remaining { get; set; } = request.Count;
    public int Hits { get; set; }

    public FaultView View() => new(Id, Request.Kind!, Request.Endpoint, Request.Status, Request.Code, Request.RetryAfterMs,
        Request.DelayMs, Request.Count, Remaining, Request.Scope, Hits);
}

public sealed record FaultView(string Id, string Kind, string Endpoint, int? Status, string? Code, int? RetryAfterMs, int? DelayMs,
    int? Count, int? Remaining, string? Scope, int Hits);
