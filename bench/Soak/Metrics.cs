using System.Globalization;

namespace MultichannelMessages.Soak;

/// <summary>A service's /metrics (Prometheus text), read for a gauge or a histogram.</summary>
public sealed class Metrics(string text)
{
    public static async Task<Metrics> ScrapeAsync(HttpClient http, Uri url) => new(await http.GetStringAsync(url));

    /// <summary>The sum of a series over its label sets (NaN when the service does not export it).</summary>
    public double Sum(string name)
    {
        var found = false;
        var sum = 0.0;
        foreach (var (_, value) in Series(name)) { found = true; sum += value; }
        return found ? sum : double.NaN;
    }

    /// <summary>A histogram's cumulative buckets (upper bound → count), summed over label sets.</summary>
    public SortedDictionary<double, double> Buckets(string name)
    {
        var buckets = new SortedDictionary<double, double>();
        foreach (var (labels, value) in Series(name + "_bucket"))
        {
            var at = labels.IndexOf("le=\"", StringComparison.Ordinal);
            if (at < 0) continue;
            var le = labels[(at + 4)..labels.IndexOf('"', at + 4)];
            var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
            buckets[bound] = buckets.GetValueOrDefault(bound) + value;
        }
        return buckets;
    }

    /// <summary>The q-quantile's bucket bound of the observations between two scrapes of a histogram: coarse (the
    /// bounds are the service's), but the service's own figure.</summary>
    public static double QuantileBound(SortedDictionary<double, double> before, SortedDictionary<double, double> after, double q)
    {
        var total = after.LastOrDefault().Value - before.LastOrDefault().Value;
        if (total <= 0) return double.NaN;
        foreach (var (bound, count) in after)
            if (count - before.GetValueOrDefault(bound) >= q * total) return bound;
        return double.PositiveInfinity;
    }

    /// <summary>Each sample line of the series: its labels ("{…}" or "") and its value (a trailing timestamp is ignored).</summary>
    private IEnumerable<(string Labels, double Value)> Series(string name)
    {
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || line[name.Length] is not ('{' or ' ')) continue;
            var labels = line[name.Length] == '{' ? line[name.Length..(line.LastIndexOf('}') + 1)] : "";
            var value = line[(name.Length + labels.Length)..].Trim().Split(' ')[0];
            yield return (labels, double.Parse(value, CultureInfo.InvariantCulture));
        }
    }
}
