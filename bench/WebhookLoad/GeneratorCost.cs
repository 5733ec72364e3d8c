using System.Diagnostics;

namespace MultichannelMessages.WebhookLoad;

/// <summary>
/// What this process spent during the measured phase: CPU in % of one core (the generator must stay cheap on 2
/// shared cores) and garbage collections, whose pauses would show up as client-side latency.
/// </summary>
public sealed record GeneratorCost(double CpuPercent, int Gen0Collections, int Gen1Collections, int Gen2Collections, double GcPauseMs)
{
    public static async Task<GeneratorCost> MeasureAsync(RunWindow window)
    {
        await DelayUntil(window.MeasureFrom);
        var before = Snapshot();
        await DelayUntil(window.End);
        var after = Snapshot();
        return new GeneratorCost(
            Math.Round(100 * (after.Cpu - before.Cpu) / Stopwatch.GetElapsedTime(before.At, after.At), 1),
            after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2,
            Math.Round((after.Pause - before.Pause).TotalMilliseconds, 1));
    }

    private static (long At, TimeSpan Cpu, int Gen0, int Gen1, int Gen2, TimeSpan Pause) Snapshot() =>
        (Stopwatch.GetTimestamp(), Process.GetCurrentProcess().TotalProcessorTime,
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    private static async Task DelayUntil(long timestamp)
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
    }
}
