using System.Globalization;
using MultichannelMessages.MassBench;

namespace MultichannelMessages.Soak;

/// <summary>
/// Flat or not: each metric's median over the first window of minutes against the last (ten of each in an hour's
/// run), their ratio, and its maximum; then the verdicts with the rule each applies, stated so a reader can disagree.
/// Memory is flat when the last window's median is within 10 % (or 16 MB) of the first's, a latency when its last/first
/// ratio is at most 1.5 (p50) or 2 (p99, the tail on a shared 2-core machine), a queue when its last window's median
/// is at most twice the first's, or under a handful of items (<see cref="DepthFloors"/>).
/// </summary>
public static class Summary
{
    public static void Print(IReadOnlyList<OrderedDictionary<string, double>> rows)
    {
        if (rows.Count < 2) { Console.WriteLine("fewer than two samples: no first/last comparison"); return; }
        var window = Math.Clamp(rows.Count / 3, 1, 10);
        var first = rows.Take(window).ToList();
        var last = rows.Skip(rows.Count - window).ToList();
        var hours = (last.Average(r => r["minute"]) - first.Average(r => r["minute"])) / 60;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"First {window} min against last {window} min (medians; {rows.Count} samples, {hours * 60:F0} min between the windows' centres)"));
        Console.WriteLine($"  {"metric",-24} {"first",10} {"last",10} {"last/first",10} {"max",10}");
        var verdicts = new List<string>();
        foreach (var key in rows[0].Keys.Where(k => k is not ("minute" or "load1") && !k.EndsWith("_n", StringComparison.Ordinal)))
        {
            var a = Median(first, key);
            var b = Median(last, key);
            var max = rows.Select(r => r[key]).Where(v => !double.IsNaN(v)).DefaultIfEmpty(double.NaN).Max();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {key,-24} {a,10:0.##} {b,10:0.##} {b / a,10:0.##} {max,10:0.##}"));
            if (Verdict(key, a, b, hours) is { } verdict) verdicts.Add(verdict);
        }
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Verdicts (load average {rows.Min(r => r["load1"]):F1}–{rows.Max(r => r["load1"]):F1} over the run)"));
        foreach (var verdict in verdicts) Console.WriteLine("  " + verdict);
    }

    private static string? Verdict(string key, double first, double last, double hours)
    {
        if (double.IsNaN(first) || double.IsNaN(last)) return null;
        string Flat(bool flat) => flat ? "flat" : "NOT flat";
        if (key.StartsWith("rss_", StringComparison.Ordinal) || key.StartsWith("pss_", StringComparison.Ordinal) || key.StartsWith("heap_", StringComparison.Ordinal))
            return string.Create(CultureInfo.InvariantCulture,
                $"{key[..^3],-21} memory {first:F0} → {last:F0} MB: {Math.Round((last - first) / Math.Max(hours, 1e-9)):+0;-0;0} MB/h " +
                $"({Math.Round((last - first) / first * 100):+0;-0;0} %) — {Flat(last <= first * 1.10 || last - first <= 16)}");
        if (key.EndsWith("_p50", StringComparison.Ordinal) || key.EndsWith("_p99", StringComparison.Ordinal))
        {
            var limit = key.EndsWith("_p50", StringComparison.Ordinal) ? 1.5 : 2.0;
            return string.Create(CultureInfo.InvariantCulture,
                $"{key,-21} latency {first:0.#} → {last:0.#} ms: ×{last / first:F2} — {Flat(last / first <= limit)} (≤ ×{limit})");
        }
        if (key == "db_mb")
            return string.Create(CultureInfo.InvariantCulture,
                $"{"database",-21} {first:F0} → {last:F0} MB: {Math.Round((last - first) / Math.Max(hours, 1e-9)):+0;-0;0} MB/h (data kept: grows by design)");
        if (key is "campaign_per_min" or "claim_p99_bound" or "errors_logged" or "dead_letters") return null;
        var floor = DepthFloors.GetValueOrDefault(key, 5);
        return string.Create(CultureInfo.InvariantCulture,
            $"{key,-21} depth {first:0.#} → {last:0.#} — {Flat(last <= Math.Max(2 * first, floor))} (≤ max(2 × first, {floor}))");
    }

    /// <summary>Depths under which a queue is not a backlog whatever the first window said: the change feed moves at
    /// about a hundred changes a second at the default rates (a sample is one instant of it), and the Meta sandbox
    /// batches its status webhooks up to 50 a post.</summary>
    private static readonly Dictionary<string, double> DepthFloors = new() { ["feed_behind"] = 100, ["meta_webhooks_pending"] = 50 };

    private static double Median(IEnumerable<OrderedDictionary<string, double>> rows, string key) =>
        Stats.Percentile(rows.Select(r => r[key]).Where(v => !double.IsNaN(v)).Order().ToList(), 0.5);
}
