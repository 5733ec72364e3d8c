using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.Platform.Net;

public static class FetchExtensions
{
    /// <summary>The SSRF-safe fetcher (section <c>Fetch</c>) as a typed HttpClient; a bad allow-list entry stops the
    /// service at start.</summary>
    public static IServiceCollection AddSafeFetcher(this IServiceCollection services)
    {
        // Idempotent: every Worker part that fetches outside URLs (media, AI tools) asks for it.
        if (services.Any(d => d.ServiceType == typeof(SafeFetcher))) return services;
        services.AddOptions<FetchOptions>().BindConfiguration(FetchOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient<SafeFetcher>(http => http.Timeout = Timeout.InfiniteTimeSpan) // each fetch carries its own deadline
            .ConfigurePrimaryHttpMessageHandler(sp => GuardedConnect.CreateHandler(sp.GetRequiredService<IOptions<FetchOptions>>().Value))
            .RemoveAllLoggers(); // request lines would carry signed download URLs
        return services;
    }
}
