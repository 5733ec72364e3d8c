using System.Diagnostics;

namespace MultichannelMessages.Soak;

/// <summary>
/// Traffic at a steady rate: action n is due at start + n / rate whether or not the earlier ones have finished, as
/// customers do not wait for the platform (a slow platform shows as latency and queues, not as less load). Actions run
/// side by side; one that throws is counted and the loop goes on. At the stop, actions in flight get a while to end.
/// </summary>
public static class OpenLoop
{
    public static async Task RunAsync(double rate, Func<long, Task> action, SoakCounters counters, CancellationToken stop)
    {
        if (rate <= 0) return;
        var clock = Stopwatch.StartNew();
        var inFlight = 0;
        for (long n = 0; !stop.IsCancellationRequested; n++)
        {
            var due = TimeSpan.FromSeconds(n / rate);
            if (due > clock.Elapsed)
            {
                try { await Task.Delay(due - clock.Elapsed, stop); }
                catch (OperationCanceledException) { break; }
            }
            Interlocked.Increment(ref inFlight);
            _ = RunOneAsync(n);
        }
        for (var i = 0; i < 300 && Volatile.Read(ref inFlight) > 0; i++) await Task.Delay(100);

        async Task RunOneAsync(long n)
        {
            try { await action(n); }
            catch (Exception ex)
            {
                // Counted, and the first few said: a soak that fails quietly measures nothing.
                if (Interlocked.Increment(ref counters.GeneratorErrors) <= 5) Console.Error.WriteLine($"  traffic error: {ex.GetType().Name}: {ex.Message}");
            }
            finally { Interlocked.Decrement(ref inFlight); }
        }
    }
}
