using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MultichannelMessages.WebhookLoad;

/// <summary>
/// Sleeps until a Stopwatch timestamp with sub-millisecond precision and without spinning. Thread.Sleep and
/// timers have 1 ms granularity, which at 5,000 events/s would send bursts of 5 and add up to 1 ms of queueing
/// to every latency; nanosleep wakes within the kernel's timer slack (about 50 µs). Spinning instead would burn
/// a core the server needs.
/// </summary>
public static partial class PreciseSleep
{
    /// <summary>Call on the sleeping thread: the default 50 µs timer slack would be most of a bare-mode latency.</summary>
    public static void TightenTimerSlack()
    {
        if (OperatingSystem.IsLinux()) _ = Prctl(PrSetTimerSlack, 1, 0, 0, 0);
    }

    public static void Until(long timestamp)
    {
        var remaining = timestamp - Stopwatch.GetTimestamp();
        if (remaining <= 0) return;
        var nanoseconds = (long)(remaining * (1_000_000_000.0 / Stopwatch.Frequency));
        if (OperatingSystem.IsLinux())
        {
            var request = new Timespec { Seconds = (nint)(nanoseconds / 1_000_000_000), Nanoseconds = (nint)(nanoseconds % 1_000_000_000) };
            _ = NanoSleep(in request, 0);
        }
        else
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(Math.Max(1, nanoseconds / 1_000_000)));
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    private const int PrSetTimerSlack = 29;

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    // An early wake-up (a signal) is harmless: the caller's loop checks the clock again.
    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(in Timespec request, nint remaining);
}
