using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;

namespace MultichannelMessages.Worker.Calls;

/// <summary>The ring-timeout sweep (calls.sweep_ring_timeouts): inbound calls nobody answered become missed, outbound
/// calls Meta never answered fail, both terminated at Meta. Row locks make it safe on several Workers.</summary>
public sealed class RingTimeoutLoop(
    CallActionStore store,
    WorkerLoops loops,
    TimeProvider time,
    IOptions<CallActionOptions> options,
    ILogger<RingTimeoutLoop> logger) : BackgroundService
{
    public const string LoopName = "call_ring_timeouts";
    private readonly CallActionOptions _options = options.Value;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => !_options.Enabled
        ? Task.CompletedTask
        : PeriodicLoop.RunAsync(loops, time, logger, LoopName, TimeSpan.FromMilliseconds(_options.SweepIntervalMs), null,
            ct => store.SweepAsync(_options.RingTimeoutSeconds, ct), stoppingToken, againWhenBusy: true);
}
