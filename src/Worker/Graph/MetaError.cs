namespace MultichannelMessages.Worker.Graph;

/// <summary>Why a send did not return a message id: Meta's error envelope, or no answer at all.</summary>
/// <param name="HttpStatus">0 when no response arrived (network error or timeout).</param>
/// <param name="Code">Meta's <c>error.code</c>; null when the body was not Meta's envelope.</param>
/// <param name="Title">Meta's <c>error.message</c> without its "(#code) " prefix.</param>
/// <param name="Details"><c>error.error_data.details</c> (WhatsApp) or the raw body when it was not an envelope.</param>
public sealed record MetaError(int HttpStatus, int? Code, int? Subcode, string Title, string? Details,
    MetaErrorSource Source = MetaErrorSource.Response, TimeSpan? RetryAfter = null)
{
    public static MetaError Network(string message) => new(0, null, null, "Network error", message, MetaErrorSource.Network);
    public static MetaError Timeout(TimeSpan after) => new(0, null, null, "Timeout", $"no answer within {after.TotalSeconds:0.#} s", MetaErrorSource.Timeout);
    public static MetaError Interrupted(string message) => new(0, null, null, "Connection interrupted", message, MetaErrorSource.Interrupted);

    /// <summary>The host's circuit breaker is open (it failed repeatedly): the request was not sent.</summary>
    public static MetaError CircuitOpen(string host, TimeSpan retryIn) =>
        new(0, null, null, "Meta host paused", $"{host} failed repeatedly; calls resume in {Math.Ceiling(retryIn.TotalSeconds):0} s",
            MetaErrorSource.CircuitOpen, retryIn > TimeSpan.Zero ? retryIn : null);

    /// <summary>The request may have reached Meta and been accepted: no answer came back (timeout, or the connection
    /// broke after the request was written).</summary>
    public bool OutcomeUnknown => Source is MetaErrorSource.Timeout or MetaErrorSource.Interrupted;

    /// <summary>One line for last_error and dead-letter reasons: code, title, details, HTTP status. No token, no body
    /// of the message sent.</summary>
    public override string ToString()
    {
        var code = Code is { } c ? Subcode is { } s ? $"{c}/{s} " : $"{c} " : "";
        var details = string.IsNullOrWhiteSpace(Details) ? "" : ": " + Truncate(Details, 300);
        var status = HttpStatus > 0 ? $" (HTTP {HttpStatus})" : "";
        return $"{code}{Title}{details}{status}";
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length] + "…";
}

public enum MetaErrorSource
{
    /// <summary>Meta answered (an error envelope, or an HTTP error without one).</summary>
    Response,
    /// <summary>No connection could be made: the request certainly did not reach Meta.</summary>
    Network,
    /// <summary>No answer in time: Meta may have accepted the request.</summary>
    Timeout,
    /// <summary>The connection broke after the request was written: Meta may have accepted it.</summary>
    Interrupted,
    /// <summary>Refused before any request: the message cannot be expressed for its channel.</summary>
    Unsendable,
    /// <summary>Not sent: the Graph host's circuit breaker is open after repeated failures.</summary>
    CircuitOpen,
}

/// <summary>What Meta answered to one send: its message id (and, on WhatsApp, <c>message_status</c>: accepted, or
/// held_for_quality_assessment while Meta paces a template), or an error.</summary>
public readonly record struct GraphSendResult(string? ProviderMessageId, MetaError? Error, string? MessageStatus = null)
{
    public bool Succeeded => ProviderMessageId is not null;
    public static GraphSendResult Sent(string providerMessageId, string? messageStatus = null) => new(providerMessageId, null, messageStatus);
    public static GraphSendResult Failed(MetaError error) => new(null, error);
}
