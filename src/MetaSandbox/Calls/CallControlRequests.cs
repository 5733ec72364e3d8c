using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.MetaSandbox.Calls;

/// <summary>Body of <c>POST /sandbox/customers/{phoneNumberId}/calls</c>: a WhatsApp user calls the business.</summary>
public sealed record CustomerCallRequest
{
    [Required, RegularExpression("^[0-9]{5,20}$", ErrorMessage = "from must be the customer's wa_id: 5-20 digits.")]
    public string? From { get; init; }

    /// <summary>Profile name; default "Customer" and the last four digits.</summary>
    public string? Name { get; init; }

    /// <summary>The user's SDP offer (e.g. a browser's, relayed); default one the sandbox writes.</summary>
    public string? Sdp { get; init; }
}

/// <summary>Body of <c>POST /sandbox/customers/{phoneNumberId}/call-permission</c>: the user answers the business's
/// call permission request.</summary>
public sealed record CallPermissionReplyRequest
{
    [Required, RegularExpression("^[0-9]{5,20}$", ErrorMessage = "from must be the customer's wa_id: 5-20 digits.")]
    public string? From { get; init; }

    [Required, RegularExpression("^(accept|reject)$", ErrorMessage = "response must be accept or reject.")]
    public string? Response { get; init; }

    /// <summary>accept: "Always allow" rather than the 7-day permission.</summary>
    public bool Permanent { get; init; }

    public string? Name { get; init; }
}

/// <summary>Body of <c>POST /sandbox/calls/{callId}/fail</c>: the call fails on Meta's side.</summary>
public sealed record CallFailureRequest
{
    /// <summary>A Calling API code carried by a terminate webhook: 138004, 138007 or 138019–138023.</summary>
    [Required, Range(138000, 138999, ErrorMessage = "code must be a Calling API error code (138000-138999).")]
    public int? Code { get; init; }

    public string? Details { get; init; }
}

/// <summary>A call as the control API shows it: state, both descriptions, and the timeline.</summary>
public sealed record CallView(string Id, string AccountId, string User, string Direction, CallState State, string? Outcome,
    int? ErrorCode, string? CallbackData, DateTimeOffset CreatedAt, DateTimeOffset? ConnectedAt, DateTimeOffset? EndedAt,
    string Offer, string? Answer, IReadOnlyList<CallEvent> Timeline)
{
    public static CallView Of(SandboxCall c) => new(c.Id, c.AccountId, c.User, c.Direction, c.State, c.Outcome, c.ErrorCode,
        c.CallbackData, c.CreatedAt, c.ConnectedAt, c.EndedAt, c.Offer, c.Answer ?? c.PreAcceptAnswer, c.Timeline);
}

/// <summary>What a customer's call or permission reply became.</summary>
public sealed record CustomerCallAccepted(string CallId, string Sdp);

public sealed record CallPermissionReplyAccepted(string Id, string ReplyTo, long? ExpirationTimestamp);

/// <summary>Body of <c>POST /sandbox/customers/{phoneNumberId}/call-device</c>: whether the user's device is relayed.</summary>
public sealed record CallDeviceRequest
{
    [Required, RegularExpression("^[0-9]{5,20}$", ErrorMessage = "from must be the customer's wa_id: 5-20 digits.")]
    public string? From { get; init; }

    public bool Relayed { get; init; } = true;
}

/// <summary>Body of <c>POST /sandbox/calls/{callId}/session</c>: the relayed device's SDP answer to the business's offer.</summary>
public sealed record CallSessionRequest
{
    [Required(ErrorMessage = "sdp is required: the device's answer to the business's offer.")]
    public string? Sdp { get; init; }
}
