using System.ComponentModel.DataAnnotations;
using System.Net;

namespace MultichannelMessages.Front.Hardening;

/// <summary>Section <c>Edge</c>: what stands in front of the console and how fast sign-ins may come from one client.</summary>
public sealed class EdgeOptions : IValidatableObject
{
    public const string Section = "Edge";

    /// <summary>Addresses of reverse proxies whose X-Forwarded-For / -Proto / -Host are believed (e.g. 10.0.0.5).
    /// With none, forwarded headers are ignored: anyone could otherwise claim any address, or claim TLS.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks of such proxies in CIDR form (e.g. 10.0.0.0/24).</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>Sign-in form posts per client address per minute: a flood guard (guessing one account is limited by
    /// the Core API per account). The Core API sees only the console's address, so this is where a client is told apart.</summary>
    [Range(1, 100_000)]
    public int SignInsPerAddressPerMinute { get; set; } = 60;

    public bool TrustsProxies => KnownProxies.Length > 0 || KnownNetworks.Length > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies.Where(p => !IPAddress.TryParse(p, out _)))
            yield return new ValidationResult($"Edge:KnownProxies has '{proxy}', which is not an IP address.", [nameof(KnownProxies)]);
        foreach (var network in KnownNetworks.Where(n => !IPNetwork.TryParse(n, out _)))
            yield return new ValidationResult($"Edge:KnownNetworks has '{network}', which is not a network in CIDR form (10.0.0.0/24).", [nameof(KnownNetworks)]);
    }
}
