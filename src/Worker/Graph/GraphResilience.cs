using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace MultichannelMessages.Worker.Graph;

/// <summary>
/// The resilience pipeline under <see cref="GraphTransport"/>, one per Meta host (SelectPipelineByAuthority): a
/// circuit breaker over a per-call timeout, and deliberately no retry. The breaker counts only what says the host is
/// failing — 5xx, timeouts, no connection — never Meta's 4xx answers (a bad parameter, an expired token, a rate
/// limit are about one request or one number, not about the host). While it is open, calls fail at once without
/// leaving (<see cref="BrokenCircuitException"/>), the outbox defers that host's sends without spending attempts, and
/// the heartbeat shows the host as paused (<see cref="GraphCircuits"/>).
/// </summary>
public static class GraphResilience
{
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, ResilienceHandlerContext context)
    {
        var options = context.ServiceProvider.GetRequiredService<IOptions<GraphOptions>>().Value;
        var circuits = context.ServiceProvider.GetRequiredService<GraphCircuits>();

        pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            FailureRatio = options.CircuitFailureRatio,
            MinimumThroughput = options.CircuitMinimumThroughput,
            SamplingDuration = TimeSpan.FromSeconds(Math.Max(options.CircuitSamplingSeconds, 1)),
            BreakDuration = TimeSpan.FromSeconds(options.CircuitBreakSeconds),
            ShouldHandle = args => ValueTask.FromResult(IsHostFailure(args.Outcome, args.Context)),
            OnOpened = args =>
            {
                circuits.Opened(Host(args.Context), args.BreakDuration, Describe(args.Outcome));
                return default;
            },
            OnHalfOpened = args =>
            {
                circuits.HalfOpened(Host(args.Context));
                return default;
            },
            OnClosed = args =>
            {
                circuits.Closed(Host(args.Context));
                return default;
            },
        });
        pipeline.AddTimeout(new HttpTimeoutStrategyOptions
        {
            Timeout = options.Timeout,
            TimeoutGenerator = args => ValueTask.FromResult(
                args.Context.GetRequestMessage()?.Options.TryGetValue(GraphTransport.TimeoutOption, out var limit) == true ? limit : options.Timeout),
        });
    }

    /// <summary>A failure that says the host is unwell. The caller's own cancellation (shutdown, a download's
    /// deadline) is not one.</summary>
    public static bool IsHostFailure(Outcome<HttpResponseMessage> outcome, ResilienceContext context) => outcome switch
    {
        { Exception: TimeoutRejectedException } => true,
        { Exception: HttpRequestException } => true,
        { Exception: OperationCanceledException } => false,
        { Exception: not null } => false,
        { Result: { } response } => (int)response.StatusCode >= 500,
        _ => false,
    };

    private static string Host(ResilienceContext context) =>
        context.GetRequestMessage()?.RequestUri?.Authority ?? "graph";

    private static string? Describe(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: TimeoutRejectedException } => "timeout",
        { Exception: HttpRequestException ex } => ex.HttpRequestError + ": " + ex.Message,
        { Result: { } response } => "HTTP " + (int)response.StatusCode,
        _ => null,
    };
}
