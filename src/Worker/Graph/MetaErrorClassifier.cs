namespace MultichannelMessages.Worker.Graph;

/// <summary>How long a transient failure should wait at least, by cause (see <see cref="Outbox.Backoff"/>).</summary>
public enum RetryClass
{
    /// <summary>Permanent: retrying cannot help.</summary>
    None,
    /// <summary>5xx, timeouts, network errors, Meta's "unknown"/"temporary" codes: short exponential backoff.</summary>
    Transient,
    /// <summary>130429: the number's throughput (80 or 1,000 msg/s) is exhausted for the moment.</summary>
    Throughput,
    /// <summary>131056: too many messages to this one recipient; about one per 6 s is allowed.</summary>
    PairRate,
    /// <summary>4, 80007, 613…: app- or WABA-wide call limits, which recover in minutes, not seconds.</summary>
    AppRate,
    /// <summary>131057: the business account is in maintenance (e.g. a throughput upgrade under way).</summary>
    Maintenance,
}

public readonly record struct ErrorDecision(RetryClass Retry, string Reason)
{
    public bool IsPermanent => Retry == RetryClass.None;
}

/// <summary>
/// Decides, from Meta's <c>error.code</c> (Meta advises building on the code, not on titles or HTTP status), whether
/// a failed send is worth another attempt. Codes not listed fall back on the HTTP status: 5xx and 429 retry,
/// other 4xx are permanent. A 2xx without a message id is treated as permanent: Meta may have sent it, and a
/// blind retry could deliver it twice.
/// </summary>
public static class MetaErrorClassifier
{
    private static readonly Dictionary<int, RetryClass> Transient = new()
    {
        [1] = RetryClass.Transient,          // API Unknown: possibly a server error
        [2] = RetryClass.Transient,          // API Service: temporary downtime or overload
        [4] = RetryClass.AppRate,            // API Too Many Calls (app)
        [17] = RetryClass.AppRate,           // API User Too Many Calls
        [32] = RetryClass.AppRate,           // Page-level throttling (Messenger)
        [341] = RetryClass.AppRate,          // Application limit reached
        [613] = RetryClass.AppRate,          // Calls to this API have exceeded the rate limit (Messenger)
        [1200] = RetryClass.Transient,       // Messenger: temporary send message failure
        [80007] = RetryClass.AppRate,        // WhatsApp Business Account rate limit
        [130429] = RetryClass.Throughput,    // Cloud API throughput reached
        [131000] = RetryClass.Transient,     // Something went wrong (generic, Meta: retry)
        [131016] = RetryClass.Transient,     // Service unavailable
        [131056] = RetryClass.PairRate,      // (Business, Consumer) pair rate limit hit
        [131057] = RetryClass.Maintenance,   // Account in maintenance mode (throughput upgrade)
        [133004] = RetryClass.Transient,     // Server temporarily unavailable
    };

    /// <summary>Codes whose retry cannot succeed; listed so the reason names them (any other 4xx is permanent too).
    /// 131048 (spam rate limit) and 131049 (Meta chose not to deliver, marketing cap) are permanent on purpose:
    /// Meta's guidance is to fix quality or wait about a day, and hammering the number lowers its quality further.</summary>
    private static readonly Dictionary<int, string> Permanent = new()
    {
        [0] = "auth_exception",
        [3] = "api_method_not_permitted",
        [10] = "permission_denied",
        [100] = "invalid_parameter",
        [190] = "access_token_expired",
        [368] = "blocked_for_policy_violation",
        [551] = "recipient_unavailable",
        [130472] = "recipient_in_experiment",
        [131005] = "access_denied",
        [131008] = "required_parameter_missing",
        [131009] = "parameter_value_invalid",
        [131021] = "recipient_is_sender",
        [131026] = "message_undeliverable",
        [131031] = "account_locked",
        [131042] = "payment_issue",
        [131045] = "incorrect_certificate",
        [131047] = "window_closed",
        [131048] = "spam_rate_limit",
        [131049] = "meta_chose_not_to_deliver",
        [131050] = "recipient_stopped_marketing",
        [131051] = "unsupported_message_type",
        [131052] = "media_download_error",
        [131053] = "media_upload_error",
        [133010] = "phone_number_not_registered",
        [135000] = "generic_user_error",
        [2018001] = "no_matching_user",
    };

    public static ErrorDecision Classify(MetaError error)
    {
        switch (error.Source)
        {
            case MetaErrorSource.Network: return new(RetryClass.Transient, "network_error");
            case MetaErrorSource.Timeout: return new(RetryClass.Transient, "timeout");
            case MetaErrorSource.Interrupted: return new(RetryClass.Transient, "interrupted");
            case MetaErrorSource.CircuitOpen: return new(RetryClass.Transient, "graph_circuit_open");
            case MetaErrorSource.Unsendable: return new(RetryClass.None, "unsupported_message");
        }
        if (error.Code is { } code)
        {
            if (Transient.TryGetValue(code, out var retry)) return new(retry, "meta_" + code);
            if (Permanent.TryGetValue(code, out var reason)) return new(RetryClass.None, reason);
            // Template errors: missing, paused, disabled, parameter mismatch… (132000–132099).
            if (code is >= 132000 and < 133000) return new(RetryClass.None, "template_error");
            // Permissions (200–299): the token lacks a scope; an operator has to fix it.
            if (code is >= 200 and < 300) return new(RetryClass.None, "permission_denied");
        }
        return error.HttpStatus switch
        {
            >= 500 => new(RetryClass.Transient, "http_" + error.HttpStatus),
            429 => new(RetryClass.Throughput, "http_429"),
            _ => new(RetryClass.None, error.Code is { } c ? "meta_" + c : "http_" + error.HttpStatus),
        };
    }
}
