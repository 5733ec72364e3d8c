using System.Globalization;

namespace MultichannelMessages.MassBench;

/// <summary>--name value pairs.</summary>
public sealed class BenchOptions(string[] args)
{
    private readonly Dictionary<string, string> _values = args.Select((a, i) => (a, i))
        .Where(x => x.a.StartsWith("--", StringComparison.Ordinal))
        .ToDictionary(x => x.a[2..], x => x.i + 1 < args.Length ? args[x.i + 1] : "");

    public string Text(string name, string? fallback = null) =>
        _values.TryGetValue(name, out var v) ? v : fallback ?? throw new ArgumentException($"--{name} is required");

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Number(string name, double fallback) =>
        _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
