using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Loops;

/// <summary>A scheduled job whose interval is longer than the staleness window (template sync every 15 minutes,
/// retention every hour) is alive while it waits, and stale a window after a pass should have ended.</summary>
public sealed class PeriodicLoopTests
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_hourly_job_waiting_for_its_hour_is_alive_and_stale_a_window_after_the_hour_passed_without_a_pass()
    {
        var clock = new ManualClock();
        var loops = new WorkerLoops(clock);
        using var stop = new CancellationTokenSource();
        var passes = 0;
        var loop = PeriodicLoop.RunAsync(loops, clock, NullLogger.Instance, "retention", TimeSpan.FromHours(1), null,
            _ => { Interlocked.Increment(ref passes); return Task.FromResult(0); }, stop.Token);
        var status = loops.All.Single();
        await Eventually.TrueAsync(() => Task.FromResult(status.IdleUntil is not null), TimeSpan.FromSeconds(10), "the loop reaches its wait");

        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(HealthStatus.Healthy, await Health(loops, clock)); // half-way through its hour it waits, alive
        clock.Advance(TimeSpan.FromMinutes(30) + StaleAfter - TimeSpan.FromSeconds(1));
        Assert.False(status.IsStale(clock.GetUtcNow(), StaleAfter));

        // The hour and a whole window passed on this clock while the (real-time) delay never ended: no pass ran, so the
        // job is reported dead.
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(status.IsStale(clock.GetUtcNow(), StaleAfter));
        Assert.Equal(HealthStatus.Unhealthy, await Health(loops, clock));
        Assert.Equal(1, passes);

        await stop.CancelAsync();
        await loop;
    }

    [Fact]
    public async Task A_pass_that_hangs_after_an_early_wake_is_stale_a_window_later_not_a_window_after_the_planned_hour()
    {
        var clock = new ManualClock();
        var loops = new WorkerLoops(clock);
        var wake = new Wakeup();
        var hung = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondPass = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var passes = 0;
        var loop = PeriodicLoop.RunAsync(loops, clock, NullLogger.Instance, "template_sync", TimeSpan.FromHours(1), wake,
            async ct =>
            {
                if (Interlocked.Increment(ref passes) == 1) return 0;
                secondPass.TrySetResult();
                await hung.Task.WaitAsync(ct);
                return 0;
            }, stop.Token);
        var status = loops.All.Single();
        await Eventually.TrueAsync(() => Task.FromResult(status.IdleUntil is not null), TimeSpan.FromSeconds(10), "the loop reaches its wait");

        clock.Advance(TimeSpan.FromMinutes(10));
        wake.Signal();
        await secondPass.Task.WaitAsync(TimeSpan.FromSeconds(10));

        clock.Advance(StaleAfter - TimeSpan.FromSeconds(1));
        Assert.False(status.IsStale(clock.GetUtcNow(), StaleAfter), "a pass a little under a window long is still alive");
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(status.IsStale(clock.GetUtcNow(), StaleAfter), "the hung pass is dead 50 minutes before the planned wake");
        Assert.Equal(HealthStatus.Unhealthy, await Health(loops, clock));

        await stop.CancelAsync();
        await loop;
    }

    private static async Task<HealthStatus> Health(WorkerLoops loops, TimeProvider clock) =>
        (await new LoopHealthCheck(loops, new GraphCircuits(clock), clock, Options.Create(new HeartbeatOptions()))
            .CheckHealthAsync(new HealthCheckContext())).Status;
}
