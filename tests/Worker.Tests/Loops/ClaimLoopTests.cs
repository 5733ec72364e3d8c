using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;

namespace MultichannelMessages.Worker.Tests.Loops;

/// <summary>The claim loop's idle wait: the poll, or until the queue's next row falls due when that is sooner.</summary>
public sealed class ClaimLoopTests
{
    [Fact]
    public void The_idle_wait_is_the_poll_unless_the_next_row_falls_due_sooner_and_never_zero()
    {
        var poll = TimeSpan.FromMilliseconds(250);
        Assert.Equal(poll, ClaimLoop.IdleWait(poll, null));
        Assert.Equal(poll, ClaimLoop.IdleWait(poll, TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromMilliseconds(40), ClaimLoop.IdleWait(poll, TimeSpan.FromMilliseconds(40)));
        Assert.Equal(TimeSpan.FromMilliseconds(1), ClaimLoop.IdleWait(poll, TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromMilliseconds(1), ClaimLoop.IdleWait(poll, TimeSpan.FromMilliseconds(-5)));
    }

    /// <summary>With a one-minute poll, a queue whose next row is due in 50 ms is claimed again at once; the control, the
    /// same queue saying nothing of its next row, is not claimed again within the same two seconds.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_queue_that_names_its_next_due_row_is_claimed_again_then_instead_of_at_the_next_poll(bool namesNextDue)
    {
        var claims = 0;
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var status = new WorkerLoops(TimeProvider.System).Register("test");
        var loop = ClaimLoop.RunAsync(status, TimeProvider.System, NullLogger.Instance, 4, 4, TimeSpan.FromMinutes(1),
            _ =>
            {
                if (Interlocked.Increment(ref claims) == 2) second.TrySetResult();
                return Task.FromResult(new ClaimBatch<int>([], namesNextDue ? TimeSpan.FromMilliseconds(50) : null));
            },
            _ => Task.CompletedTask, _ => null, stop.Token);

        var clock = Stopwatch.StartNew();
        var claimedAgain = await Task.WhenAny(second.Task, Task.Delay(TimeSpan.FromSeconds(2))) == second.Task;
        await stop.CancelAsync();
        await loop;

        Assert.Equal(namesNextDue, claimedAgain);
        // Task.Delay's timer ticks coarser than the stopwatch and may end a millisecond or so early.
        if (!namesNextDue) Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), "the control waited its two seconds");
    }
}
