using System.Diagnostics;

namespace MultichannelMessages.WebhookLoad;

/// <summary>This process's CPU over the measured phase, in % of one core: the generator must stay cheap on 2 shared cores.</summary>
public static class CpuMeter
{
    public static async Task<double> MeasureAsync(RunWindow window)
    {
        await DelayUntil(window.MeasureFrom);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var before = Stopwatch.GetTimestamp();
        await DelayUntil(window.End);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        return 100 * cpu / Stopwatch.GetElapsedTime(before);
    }

    private static async Task DelayUntil(long timestamp)
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
    }
}
