using System.Globalization;

namespace MultichannelMessages.Soak;

/// <summary>Resident memory from /proc, in MB.</summary>
public static class ProcessMemory
{
    /// <summary>VmRSS of one process; NaN once it is gone.</summary>
    public static double RssMb(int pid) => Status(pid) is { } s ? s.GetValueOrDefault("VmRSS") / 1024.0 : double.NaN;

    /// <summary>
    /// The PostgreSQL server: the postmaster and its children. Each backend's VmRSS counts every page of shared buffers
    /// and of the binary it has touched, so a sum of RSS would count those once per backend; the proportional set size
    /// (Pss, /proc/pid/smaps_rollup) shares each page among the processes mapping it, so its sum is the server's
    /// memory.
    /// </summary>
    public static double PostgresMb(int postmaster)
    {
        long pss = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || (pid != postmaster && ParentOf(pid) != postmaster)) continue;
            try
            {
                var line = File.ReadLines($"/proc/{pid}/smaps_rollup").FirstOrDefault(l => l.StartsWith("Pss:", StringComparison.Ordinal));
                if (line is not null) pss += long.Parse(line[4..].Trim()[..^3], CultureInfo.InvariantCulture);
            }
            catch (IOException) { } // the backend ended meanwhile
        }
        return pss / 1024.0;
    }

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException) { return -1; }
    }

    /// <summary>The kB fields of /proc/pid/status.</summary>
    private static Dictionary<string, long>? Status(int pid)
    {
        try
        {
            return File.ReadLines($"/proc/{pid}/status").Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[1].EndsWith(" kB", StringComparison.Ordinal))
                .ToDictionary(p => p[0], p => long.Parse(p[1].Trim()[..^3], CultureInfo.InvariantCulture));
        }
        catch (IOException) { return null; }
    }
}
