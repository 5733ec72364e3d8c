using MultichannelMessages.MetaSandbox.Graph;

namespace MultichannelMessages.MetaSandbox.Calls;

/// <summary>The Calling API's refusals, coded as Meta's calling troubleshooting table (Dec 3, 2025) lists them. The
/// table gives a code, a title and an HTTP status; the details sentences are the sandbox's.</summary>
public static class CallErrors
{
    public static GraphError NotEnabled() => Calling(138000, "Calling not enabled",
        "Calling is not enabled for this business phone number. Enable it with POST /{phone-number-id}/settings.");

    public static GraphError ConcurrentLimit(int limit) => Calling(138002, "Concurrent calls limit",
        $"The business phone number already has {limit} calls in progress.", StatusCodes.Status429TooManyRequests);

    public static GraphError Duplicate(string callId) => Calling(138003, "Duplicate call",
        $"A call between this business phone number and the user is already in progress ({callId}).");

    public static GraphError RateLimit() => Calling(138005, "Call rate limit exceeded",
        "Limit reached for maximum calls that can be initiated by the business phone number.", StatusCodes.Status429TooManyRequests);

    public static GraphError NoPermission() => Calling(138006, "No approved call permission from the recipient",
        "The WhatsApp user has not granted this business phone number permission to call. Send a call permission request first.");

    public static GraphError NotAnswerable(string callId, string state) => Calling(138007, "Call connect timeout",
        $"Call {callId} can no longer be accepted: it is {state}. A call must be accepted within the time it rings.");

    public static GraphError PermissionRequestLimit(string period) => Calling(138009, "Call permission request limit reached",
        $"The business phone number reached its limit of call permission requests to this user ({period}).");

    public static GraphError ConnectedCallsLimit(DateTimeOffset next) => Calling(138012, "Business initiated calls limit reached",
        $"The limit of connected business-initiated calls to this user was reached. Next call allowed at {next.ToUnixTimeSeconds()}.",
        StatusCodes.Status429TooManyRequests);

    public static GraphError PermanentPermissionExists() => Calling(138017, "Permanent call permission already granted",
        "The user has already granted this business phone number permanent permission to call.");

    public static GraphError SipEnabled() => Calling(131055, "Method not allowed",
        "Calling API endpoints are not allowed on a business phone number with SIP call signaling enabled.");

    public static GraphError PermissionLookupLimit() => new()
    {
        Message = "(#613) Fetch Call Permission For Consumer Phone Number API Limit Hit",
        Code = 613,
        ErrorData = new GraphErrorData("whatsapp", "Limit reached for requests to the fetch call permission status API."),
        HttpStatus = StatusCodes.Status429TooManyRequests,
    };

    public static GraphError UnknownCall(string callId) =>
        GraphErrors.InvalidParameter($"Param call_id ({callId}) is not a call of this business phone number.");

    private static GraphError Calling(int code, string title, string details, int httpStatus = StatusCodes.Status400BadRequest) => new()
    {
        Message = $"(#{code}) {title}",
        Code = code,
        ErrorData = new GraphErrorData("whatsapp", details),
        HttpStatus = httpStatus,
    };
}
