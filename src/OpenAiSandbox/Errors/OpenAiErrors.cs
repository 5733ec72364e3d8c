namespace MultichannelMessages.OpenAiSandbox.Errors;

/// <summary>The errors the sandbox answers, worded, typed and coded as OpenAI's API answers them.</summary>
public static class OpenAiErrors
{
    public static OpenAiError MissingKey() => new()
    {
        Message = "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
        HttpStatus = StatusCodes.Status401Unauthorized,
    };

    /// <summary>OpenAI shows the key's first and last characters only; so does the sandbox.</summary>
    public static OpenAiError InvalidKey(string key) => new()
    {
        Message = $"Incorrect API key provided: {Redact(key)}. You can find your API key at https://platform.openai.com/account/api-keys.",
        Code = "invalid_api_key",
        HttpStatus = StatusCodes.Status401Unauthorized,
    };

    public static OpenAiError ModelNotFound(string model) => new()
    {
        Message = $"The model `{model}` does not exist or you do not have access to it.",
        Code = "model_not_found",
        HttpStatus = StatusCodes.Status404NotFound,
    };

    public static OpenAiError NotAChatModel(string model) => new()
    {
        Message = $"This is not a chat model and thus not supported in the v1/chat/completions endpoint. Did you mean to use v1/completions? ({model})",
        Param = "model",
        HttpStatus = StatusCodes.Status404NotFound,
    };

    public static OpenAiError WrongModelKind(string model, string endpoint) => new()
    {
        Message = $"Invalid model '{model}' for {endpoint}.",
        Param = "model",
        Code = "invalid_value",
    };

    public static OpenAiError InvalidJson() => new()
    {
        Message = "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    };

    public static OpenAiError Missing(string param) => new()
    {
        Message = $"Missing required parameter: '{param}'.",
        Param = param,
        Code = "missing_required_parameter",
    };

    public static OpenAiError InvalidType(string param, string expected) => new()
    {
        Message = $"Invalid type for '{param}': expected {expected}.",
        Param = param,
        Code = "invalid_type",
    };

    public static OpenAiError InvalidValue(string param, string message, string code = "invalid_value") => new()
    {
        Message = message,
        Param = param,
        Code = code,
    };

    public static OpenAiError Invalid(string message, string? param = null, string? code = null) => new()
    {
        Message = message,
        Param = param,
        Code = code,
    };

    public static OpenAiError RateLimited(string model, int retryAfterMs) => new()
    {
        Message = $"Rate limit reached for {model} in organization org-sandbox on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in {Math.Max(1, retryAfterMs / 1000.0):0.###}s. Visit https://platform.openai.com/account/rate-limits to learn more.",
        Type = "requests",
        Code = "rate_limit_exceeded",
        HttpStatus = StatusCodes.Status429TooManyRequests,
    };

    public static OpenAiError QuotaExceeded() => new()
    {
        Message = "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
        Type = "insufficient_quota",
        Code = "insufficient_quota",
        HttpStatus = StatusCodes.Status429TooManyRequests,
    };

    public static OpenAiError ServerError(int status = StatusCodes.Status500InternalServerError) => new()
    {
        Message = status == StatusCodes.Status503ServiceUnavailable
            ? "The server is overloaded or not ready yet."
            : "The server had an error while processing your request. Sorry about that!",
        Type = "server_error",
        HttpStatus = status,
    };

    public static OpenAiError TooLarge(long limit, long read) => new()
    {
        Message = $"Maximum content size limit ({limit}) exceeded ({read} bytes read)",
        Type = "server_error",
        HttpStatus = StatusCodes.Status413PayloadTooLarge,
    };

    private static string Redact(string key) => key.Length <= 8 ? "***" : $"{key[..3]}***{key[^4..]}";
}
