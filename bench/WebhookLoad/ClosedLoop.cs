using System.Diagnostics;

namespace MultichannelMessages.WebhookLoad;

/// <summary>
/// <c>concurrency</c> workers, each sending its next message as soon as the previous one is answered: the
/// sustained throughput the server can take. A request counts when it starts inside the measured phase.
/// </summary>
public static class ClosedLoop
{
    public static async Task RunAsync(LoadOptions options, WebhookSender sender, RunRecorder recorder, RunWindow window)
    {
        var toStart = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), window.Start);
        if (toStart > TimeSpan.Zero) await Task.Delay(toStart);

        long next = -1;
        var workersDone = Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => WorkAsync()));
        var limit = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), window.End) + TimeSpan.FromSeconds(options.DrainSeconds);
        await Task.WhenAny(workersDone, Task.Delay(limit));
        // Workers start nothing after End; whatever is still in flight now has outlived the drain.
        recorder.Abandoned(await sender.DrainAsync(TimeSpan.Zero));
        recorder.Scheduled(recorder.MeasuredSent);

        async Task WorkAsync()
        {
            await Task.Yield();
            while (Stopwatch.GetTimestamp() is var now && now < window.End)
                await sender.SendAsync(Interlocked.Increment(ref next), now, measured: now >= window.MeasureFrom);
        }
    }
}
