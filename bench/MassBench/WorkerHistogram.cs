using System.Globalization;
using System.Text.RegularExpressions;

namespace MultichannelMessages.MassBench;

/// <summary>The Worker's own claim → request histogram (outbox_claim_to_request_milliseconds at /metrics), read at
/// the start and end of a phase; the difference is the phase's. Its buckets are coarse (5, 10, 25, 50, 75, 100 ms…),
/// so the bench also times each reply itself (see <see cref="Replies"/>).</summary>
public sealed partial class WorkerHistogram
{
    private readonly SortedDictionary<double, long> _buckets = [];
    public long Count { get; private set; }
    public double Sum { get; private set; }

    public static async Task<WorkerHistogram> ReadAsync(HttpClient http, string workerUrl)
    {
        var text = await http.GetStringAsync(new Uri(new Uri(workerUrl), "/metrics"));
        var h = new WorkerHistogram();
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("outbox_claim_to_request_milliseconds", StringComparison.Ordinal)) continue;
            var value = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            if (line.StartsWith("outbox_claim_to_request_milliseconds_bucket", StringComparison.Ordinal) && Le().Match(line) is { Success: true } m)
            {
                var le = m.Groups[1].Value == "+Inf" ? double.PositiveInfinity : double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                h._buckets[le] = h._buckets.GetValueOrDefault(le) + (long)value;
            }
            else if (line.StartsWith("outbox_claim_to_request_milliseconds_count", StringComparison.Ordinal)) h.Count += (long)value;
            else if (line.StartsWith("outbox_claim_to_request_milliseconds_sum", StringComparison.Ordinal)) h.Sum += value;
        }
        return h;
    }

    public string Since(WorkerHistogram before)
    {
        var count = Count - before.Count;
        if (count <= 0) return "worker histogram: no sends";
        string Bound(double q) => _buckets.FirstOrDefault(b => b.Value - before._buckets.GetValueOrDefault(b.Key) >= q * count).Key.ToString("G", CultureInfo.InvariantCulture);
        return $"worker histogram: n={count} mean={(Sum - before.Sum) / count:F1} ms, p50 <= {Bound(0.5)} ms, p99 <= {Bound(0.99)} ms (bucket bounds)";
    }

    [GeneratedRegex("le=\"([^\"]+)\"")]
    private static partial Regex Le();
}
