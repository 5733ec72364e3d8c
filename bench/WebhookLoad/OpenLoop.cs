using System.Diagnostics;

namespace MultichannelMessages.WebhookLoad;

/// <summary>
/// Sends message n at Start + n / rate whatever the server does, at most <c>concurrency</c> in flight. A request
/// that has to wait for a free slot is late, and its latency counts from when it was due, not when it left: a
/// slow server shows up as latency instead of quietly lowering the offered rate (coordinated omission). The first
/// rate × warm-up messages are the warm-up. Due requests still waiting for a slot at End are reported unsent.
/// </summary>
public static class OpenLoop
{
    public static async Task RunAsync(LoadOptions options, WebhookSender sender, RunRecorder recorder, RunWindow window)
    {
        var warmupCount = (long)Math.Round(options.Rate * options.WarmupSeconds);
        var measuredCount = (long)Math.Round(options.Rate * options.DurationSeconds);
        recorder.Scheduled(measuredCount);
        // A dedicated thread: the pool's threads are busy completing requests, and a late scheduler is a lie.
        var scheduler = new Thread(() => Schedule(options, sender, window, warmupCount + measuredCount, warmupCount))
        {
            IsBackground = true,
            Name = "open-loop scheduler",
        };
        scheduler.Start();
        scheduler.Join();
        recorder.Abandoned(await sender.DrainAsync(TimeSpan.FromSeconds(options.DrainSeconds)));
    }

    private static void Schedule(LoadOptions options, WebhookSender sender, RunWindow window, long total, long warmupCount)
    {
        PreciseSleep.TightenTimerSlack();
        var interval = Stopwatch.Frequency / options.Rate;
        // Not disposed: sends still in flight release it after this method returns.
        var slots = new SemaphoreSlim(options.Concurrency);
        for (var n = 0L; n < total; n++)
        {
            var due = window.Start + (long)(n * interval);
            PreciseSleep.Until(due);
            var untilEnd = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), window.End);
            if (!slots.Wait(untilEnd > TimeSpan.Zero ? untilEnd : TimeSpan.Zero)) break;
            _ = SendAndRelease(sender, slots, n, due, n >= warmupCount);
        }

        static async Task SendAndRelease(WebhookSender sender, SemaphoreSlim slots, long n, long due, bool measured)
        {
            try { await sender.SendAsync(n, due, measured); }
            finally { slots.Release(); }
        }
    }
}
