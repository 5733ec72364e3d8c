using Microsoft.Extensions.Diagnostics.HealthChecks;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Extensions;

/// <summary>The Front works only with the Core API: an unreachable one makes it Degraded (still 200, so a load
/// balancer keeps serving the sign-in page and the "connection lost" banner rather than nothing).</summary>
public sealed class CoreApiHealthCheck(IHttpClientFactory http) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            using var response = await http.CreateClient(CoreApiClient.Name).GetAsync("health", timeout.Token);
            return response.IsSuccessStatusCode ? HealthCheckResult.Healthy() : HealthCheckResult.Degraded($"Core API answered {(int)response.StatusCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return HealthCheckResult.Degraded("Core API unreachable");
        }
    }
}
