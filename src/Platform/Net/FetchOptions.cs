using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Platform.Net;

/// <summary>
/// Section <c>Fetch</c>: the SSRF-safe fetcher (<see cref="SafeFetcher"/>) used for every URL the platform did not
/// choose itself (attachment URLs from webhooks, the media node's download URL, later AI tools and imports).
/// </summary>
public sealed class FetchOptions : IValidatableObject
{
    public const string Section = "Fetch";

    /// <summary>
    /// <c>host:port</c> entries (<c>127.0.0.1:5090</c>, <c>[::1]:5090</c>, <c>sandbox.internal:443</c>) that may be
    /// reached although their addresses are not public. EMPTY IN PRODUCTION: every entry is an internal service a
    /// customer's URL can reach. It exists because the Meta sandbox runs on loopback: <c>./mm run</c> and the tests add
    /// ONLY the sandbox's host:port (<c>MM_Fetch__AllowedEndpoints__0</c>), never a whole host or another service.
    /// </summary>
    public List<string> AllowedEndpoints { get; set; } = [];

    /// <summary>Redirects followed by hand, each one re-checked (scheme, credentials, and the connect-time address check).</summary>
    [Range(0, 10)]
    public int MaxRedirects { get; set; } = 3;

    [Range(1, 120)]
    public int ConnectTimeoutSeconds { get; set; } = 10;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var entry in AllowedEndpoints)
            if (!AllowedEndpoint.TryParse(entry, out _))
                yield return new ValidationResult(
                    $"Fetch:AllowedEndpoints entry '{entry}' must be host:port (e.g. 127.0.0.1:5090 or [::1]:5090).");
    }
}

/// <summary>One <c>host:port</c> of <see cref="FetchOptions.AllowedEndpoints"/>.</summary>
public readonly record struct AllowedEndpoint(string Host, int Port)
{
    public static bool TryParse(string? entry, out AllowedEndpoint endpoint)
    {
        endpoint = default;
        if (string.IsNullOrWhiteSpace(entry)) return false;
        var colon = entry.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(entry.AsSpan(colon + 1), out var port) || port is < 1 or > 65535) return false;
        var raw = entry[..colon].Trim();
        // An IPv6 literal needs its brackets: "::1:5090" is itself an address, not ::1 port 5090.
        if (raw.Contains(':') && !(raw.StartsWith('[') && raw.EndsWith(']'))) return false;
        var host = Normalize(raw);
        if (host.Length == 0 || host.Contains(':') && !System.Net.IPAddress.TryParse(host, out _)) return false;
        endpoint = new AllowedEndpoint(host, port);
        return true;
    }

    public bool Matches(string host, int port) => port == Port && Normalize(host) == Host;

    /// <summary>Lower case, without IPv6 brackets, an IP literal in its canonical text.</summary>
    public static string Normalize(string host)
    {
        var bare = host.Trim().TrimStart('[').TrimEnd(']').ToLowerInvariant();
        return System.Net.IPAddress.TryParse(bare, out var ip) ? ip.ToString() : bare.TrimEnd('.');
    }
}
