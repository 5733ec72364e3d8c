using System.Globalization;
using MultichannelMessages.MassBench;

namespace MultichannelMessages.AiBench;

/// <summary>CPU time the Worker process (--worker-pid) and the whole machine spent during a phase, per turn, from
/// /proc: a figure that moves less with the other processes on these shared cores than a latency does. The Worker's
/// share covers everything it did meanwhile (the AI turns, sending their replies, the other loops' polls).</summary>
public sealed class WorkerCpu
{
    private readonly int? _pid;
    private readonly long _workerTicks;
    private readonly long _machineBusy;
    private readonly DateTime _started = DateTime.UtcNow;

    private WorkerCpu(int? pid)
    {
        _pid = pid;
        _workerTicks = pid is { } p ? ProcessTicks(p) : 0;
        _machineBusy = MachineBusyTicks();
    }

    public static WorkerCpu Start(BenchOptions o) => new(o.Int("worker-pid", 0) is > 0 and var pid ? pid : null);

    public string PerTurn(int turns)
    {
        if (_pid is not { } pid) return "  Worker CPU: pass --worker-pid";
        const double msPerTick = 10; // USER_HZ = 100 on Linux
        var worker = (ProcessTicks(pid) - _workerTicks) * msPerTick;
        var machine = (MachineBusyTicks() - _machineBusy) * msPerTick;
        var seconds = (DateTime.UtcNow - _started).TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture,
            $"  CPU over the phase ({seconds:F1} s): Worker {worker:F0} ms = {worker / turns:F1} ms per turn; " +
            $"the whole machine busy {machine / 1000 / seconds:F2} of {Environment.ProcessorCount} cores");
    }

    private static long ProcessTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime, stime
    }

    private static long MachineBusyTicks()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return cpu.Sum() - cpu[3] - cpu[4]; // all but idle and iowait
    }
}
