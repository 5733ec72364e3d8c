using System.ClientModel;
using System.Globalization;

namespace MultichannelMessages.Worker.Ai;

/// <summary>How a failed call to the provider is told and classified by the Worker's AI work that is not a
/// conversation (media, the manual): a refusal of this very request is permanent; rate limits, server errors,
/// timeouts and the network are transient and retried with backoff.</summary>
public static class ProviderErrors
{
    /// <summary>An exception the SDK throws for the provider's answer or its absence.</summary>
    public static bool IsProviderFailure(Exception ex) => ex is ClientResultException or HttpRequestException or TaskCanceledException or TimeoutException;

    /// <summary>400 (bad request: a format or model the provider refuses), 404 (no such model), 413 (too large), 415
    /// and 422: the same request would be refused again. Everything else (401 and 403 too, which an admin may fix by
    /// changing the key) is tried again until the attempts run out.</summary>
    public static bool IsPermanent(Exception ex) => ex is ClientResultException { Status: 400 or 404 or 413 or 415 or 422 };

    /// <summary>The provider's Retry-After, when it sent one in seconds.</summary>
    public static TimeSpan? RetryAfter(Exception ex) =>
        ex is ClientResultException c && c.GetRawResponse()?.Headers.TryGetValue("Retry-After", out var value) == true
        && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds) : null;

    public static string Describe(Exception ex) => ex switch
    {
        ClientResultException c => string.Create(CultureInfo.InvariantCulture, $"provider answered {c.Status}: {Truncate(c.Message, 300)}"),
        TaskCanceledException or TimeoutException => "timeout: the provider did not answer in time",
        _ => ex.GetType().Name + ": " + Truncate(ex.Message, 300),
    };

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
