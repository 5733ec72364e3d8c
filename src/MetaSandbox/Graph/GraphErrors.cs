namespace MultichannelMessages.MetaSandbox.Graph;

/// <summary>
/// The synchronous errors the sandbox answers, worded and coded as Meta's Graph API and Cloud API error tables give
/// them. HTTP statuses follow that table (190 → 401, 130429/131056 → 429, 1 → 500, 2 → 503, the rest 400).
/// </summary>
public static class GraphErrors
{
    public const string GraphDocs = "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api";

    public static GraphError InvalidToken() => new()
    {
        Message = "Invalid OAuth access token - Cannot parse access token",
        Code = 190,
        HttpStatus = StatusCodes.Status401Unauthorized,
    };

    /// <summary>A token Meta issued but no longer honours, with the subcode that says why: expired (463), invalidated
    /// after the user changed their password (460), the user no longer authorises the app (458), or the session ended
    /// because the user logged out (467). All are 190: the business must generate a new token.</summary>
    public static GraphError TokenNoLongerValid(Accounts.TokenState state) => new()
    {
        Message = "Error validating access token: " + state switch
        {
            Accounts.TokenState.Expired => "Session has expired on Tuesday, 01-Dec-26 10:00:00 PST. The current time is Thursday, 03-Dec-26 10:00:00 PST.",
            Accounts.TokenState.AppRemoved => "The user has not authorized application 100000000000001.",
            Accounts.TokenState.LoggedOut => "The session is invalid because the user logged out.",
            _ => "The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
        },
        Code = 190,
        ErrorSubcode = state switch
        {
            Accounts.TokenState.Expired => 463,
            Accounts.TokenState.AppRemoved => 458,
            Accounts.TokenState.LoggedOut => 467,
            _ => 460,
        },
        HttpStatus = StatusCodes.Status401Unauthorized,
    };

    /// <summary>The token is valid but the business took a permission away: a send is code 10 ("Permission denied"
    /// in the Cloud API's table), a management call 200 (the 200–299 "API permission" range); both 403.</summary>
    public static GraphError MissingPermission(string permission) => GraphPermissions.IsMessaging(permission)
        ? new()
        {
            Message = "(#10) Application does not have permission for this action",
            Code = 10,
            ErrorData = permission == GraphPermissions.WhatsAppMessaging ? new GraphErrorData("whatsapp", $"Missing permission: {permission}") : null,
            HttpStatus = StatusCodes.Status403Forbidden,
        }
        : new()
        {
            Message = $"(#200) Requires {permission} permission to manage the object",
            Code = 200,
            HttpStatus = StatusCodes.Status403Forbidden,
        };

    /// <summary>Unknown id, or an id the token may not use: Meta does not tell the two apart.</summary>
    public static GraphError UnknownObject(string id, string verb) => new()
    {
        Message = $"Unsupported {verb} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. {GraphDocs}",
        Type = "GraphMethodException",
        Code = 100,
        ErrorSubcode = 33,
    };

    /// <summary>Code 100, the Cloud API's "Invalid parameter", with the offending parameter in the details.</summary>
    public static GraphError InvalidParameter(string details, bool whatsApp = true) => new()
    {
        Message = $"(#100) {details}",
        Code = 100,
        ErrorData = whatsApp ? new GraphErrorData("whatsapp", details) : null,
    };

    public static GraphError NonexistingField(string field, string nodeType) => new()
    {
        Message = $"(#100) Tried accessing nonexisting field ({field}) on node type ({nodeType})",
        Code = 100,
    };

    public static GraphError RateLimit() => WhatsApp(130429, "Rate limit hit",
        "Cloud API message throughput has been reached.", StatusCodes.Status429TooManyRequests);

    public static GraphError PairRateLimit() => WhatsApp(131056, "(Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.",
        StatusCodes.Status429TooManyRequests);

    /// <summary>131048: the number may send no more for now because earlier messages were blocked or flagged as spam.
    /// Not a retry-soon error (Meta's table points at the quality rating).</summary>
    public static GraphError SpamRate() => WhatsApp(131048, "Spam rate limit hit",
        "Message failed to send because there are restrictions on how many messages can be sent from this phone number. This may be because too many previous messages were blocked or flagged as spam.",
        StatusCodes.Status400BadRequest);

    /// <summary>368: the WABA is restricted for a policy violation (account_update ACCOUNT_RESTRICTION).</summary>
    public static GraphError PolicyRestricted() => WhatsApp(368, "Temporarily blocked for policies violations",
        "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy.",
        StatusCodes.Status403Forbidden);

    /// <summary>131031: the WABA is disabled (account_update DISABLED_UPDATE with DISABLE).</summary>
    public static GraphError AccountLocked() => WhatsApp(131031, "Account has been locked",
        "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy, or we were unable to verify data included in the request against data set on the WhatsApp Business Account.",
        StatusCodes.Status403Forbidden);

    public static GraphError TemplateNotFound(string name, string language) => WhatsApp(132001,
        "Template name does not exist in the translation",
        $"template name ({name}) does not exist in {language}", StatusCodes.Status404NotFound);

    public static GraphError TemplateParamCountMismatch(int expected, int given) => WhatsApp(132000,
        "Number of parameters does not match the expected number of params",
        $"body: number of localizable_params ({given}) does not match the expected number of params ({expected})", 400);

    public static GraphError TemplatePaused(string name) => WhatsApp(132015, "Template is Paused",
        $"Template {name} is paused due to low quality so it cannot be sent in a template message", 400);

    public static GraphError TemplateDisabled(string name) => WhatsApp(132016, "Template is Disabled",
        $"Template {name} has been paused too many times due to low quality and is now permanently disabled", 400);

    public static GraphError MediaUpload(string details) => WhatsApp(131053, "Media upload error", details, 400);

    public static GraphError Unknown() => new()
    {
        Message = "An unknown error occurred",
        Code = 1,
        ErrorSubcode = 99,
        IsTransient = true,
        HttpStatus = StatusCodes.Status500InternalServerError,
    };

    public static GraphError Temporary() => new()
    {
        Message = "An unexpected error has occurred. Please retry your request later.",
        Code = 2,
        IsTransient = true,
        HttpStatus = StatusCodes.Status503ServiceUnavailable,
    };

    /// <summary>Messenger/Instagram Send API throttling (the page-level limit).</summary>
    public static GraphError PageRateLimit() => new()
    {
        Message = "(#613) Calls to this api have exceeded the rate limit.",
        Code = 613,
        IsTransient = true,
    };

    /// <summary>Messenger/Instagram refuse a send outside the messaging window synchronously (WhatsApp reports it
    /// later in a failed status).</summary>
    public static GraphError OutsideWindow() => new()
    {
        Message = "(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview",
        Code = 10,
        ErrorSubcode = 2018278,
    };

    public static GraphError UserUnavailable() => new()
    {
        Message = "(#551) This person isn't available right now.",
        Code = 551,
        ErrorSubcode = 1545041,
    };

    private static GraphError WhatsApp(int code, string title, string details, int httpStatus) => new()
    {
        Message = $"(#{code}) {title}",
        Code = code,
        ErrorData = new GraphErrorData("whatsapp", details),
        HttpStatus = httpStatus,
    };
}
