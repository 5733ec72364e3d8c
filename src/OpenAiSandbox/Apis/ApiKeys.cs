using Microsoft.Extensions.Options;
using MultichannelMessages.OpenAiSandbox.Errors;

namespace MultichannelMessages.OpenAiSandbox.Apis;

/// <summary>The /v1 endpoints' filter: the bearer key must be one of Sandbox:ApiKeys (401 as OpenAI answers it), and a
/// refusal thrown while reading the request is answered with its envelope.</summary>
public sealed class ApiKeys(IOptions<SandboxOptions> options, ILogger<ApiKeys> logger) : IEndpointFilter
{
    private const string Item = "sandbox.api_key";
    private readonly HashSet<string> _keys = [.. options.Value.ApiKeys];

    /// <summary>The caller's key, once the filter let the request through.</summary>
    public static string Of(HttpContext http) => (string)http.Items[Item]!;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers.Authorization.ToString();
        var key = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : "";
        if (key.Length == 0)
            return OpenAiErrors.MissingKey().ToResult();
        if (!_keys.Contains(key))
            return OpenAiErrors.InvalidKey(key).ToResult();
        http.Items[Item] = key;
        try
        {
            return await next(context);
        }
        catch (OpenAiRefusal refusal)
        {
            SandboxLog.Refused(logger, http.Request.Path, refusal.Error.HttpStatus, refusal.Error.Code ?? refusal.Error.Type);
            return refusal.Error.ToResult();
        }
    }
}
