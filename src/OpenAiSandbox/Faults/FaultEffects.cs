using Microsoft.Extensions.Options;
using MultichannelMessages.OpenAiSandbox.Errors;
using MultichannelMessages.OpenAiSandbox.Requests;

namespace MultichannelMessages.OpenAiSandbox.Faults;

/// <summary>What a status or timeout fault does to a request before it is answered.</summary>
public sealed class FaultEffects(FaultInjector faults, IOptions<SandboxOptions> options)
{
    /// <summary>The error to answer instead, or null to go on (after a timeout fault's hold).</summary>
    public async Task<IResult?> ApplyAsync(string endpoint, string model, RequestScope scope, HttpContext http)
    {
        if (faults.Fire(endpoint, scope, FaultKinds.Status, FaultKinds.Timeout) is not { } fault)
            return null;
        if (fault.Kind == FaultKinds.Timeout)
            return await HoldAsync(fault.DelayMs ?? options.Value.TimeoutHoldMs, http);
        var status = fault.Status ?? StatusCodes.Status429TooManyRequests;
        if (status != StatusCodes.Status429TooManyRequests)
            return (status >= 500 ? OpenAiErrors.ServerError(status) : OpenAiErrors.Invalid("Sandbox fault.") with { HttpStatus = status }).ToResult();

        var retryAfterMs = fault.RetryAfterMs ?? 1_000;
        http.Response.Headers["retry-after"] = ((retryAfterMs + 999) / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["retry-after-ms"] = retryAfterMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["x-ratelimit-limit-requests"] = "3";
        http.Response.Headers["x-ratelimit-remaining-requests"] = "0";
        http.Response.Headers["x-ratelimit-reset-requests"] = $"{retryAfterMs}ms";
        return (fault.Code == "insufficient_quota" ? OpenAiErrors.QuotaExceeded() : OpenAiErrors.RateLimited(model, retryAfterMs)).ToResult();
    }

    private static async Task<IResult?> HoldAsync(int delayMs, HttpContext http)
    {
        try
        {
            await Task.Delay(delayMs, http.RequestAborted);
            return null;
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The caller gave up first, as a caller with a sane timeout does: nobody is left to answer.
            return Results.Empty;
        }
    }
}
