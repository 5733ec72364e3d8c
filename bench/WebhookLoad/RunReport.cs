using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MultichannelMessages.WebhookLoad;

public sealed record LatencySummary(
    long Count, double P50, double P90, double P99, [property: JsonPropertyName("p99_9")] double P999, double Max, double Mean)
{
    public static LatencySummary Of(LatencyHistogram h) => new(h.Count,
        Round(h.PercentileMilliseconds(50)), Round(h.PercentileMilliseconds(90)), Round(h.PercentileMilliseconds(99)),
        Round(h.PercentileMilliseconds(99.9)), Round(h.MaxMilliseconds), Round(h.MeanMilliseconds));

    private static double Round(double ms) => Math.Round(ms, 3);
}

/// <summary>Counts for requests of the measured phase only.</summary>
public sealed record MeasuredCounts(long Scheduled, long Sent, long Unsent, SortedDictionary<string, long> Status, long Errors, long Timeouts);

/// <summary>The result of one run, as printed and as written by --json.</summary>
public sealed record RunReport(
    string RunId, string WamidPrefix, string Target, bool Bare, string Mode, double TargetRate, double WarmupSeconds,
    double DurationSeconds, int Concurrency, double AchievedRate, MeasuredCounts Measured,
    [property: JsonPropertyName("latency_ms")] LatencySummary Latency,
    [property: JsonPropertyName("service_time_ms")] LatencySummary ServiceTime,
    [property: JsonPropertyName("send_lag_ms")] LatencySummary SendLag,
    long TotalSent, long TotalOk, GeneratorCost Generator, long Pregenerated, string? AckedFile, string? FirstError)
{
    public static RunReport Create(LoadOptions o, Uri target, WhatsAppPayload payload, PayloadSource payloads, RunRecorder r, GeneratorCost cost)
    {
        var status = r.StatusCounts();
        var measured = new MeasuredCounts(r.MeasuredScheduled, r.MeasuredSent, Math.Max(0, r.MeasuredScheduled - r.MeasuredSent),
            new SortedDictionary<string, long>(status.ToDictionary(s => s.Key.ToString(CultureInfo.InvariantCulture), s => s.Value)),
            r.Errors, r.Timeouts);
        return new RunReport(o.RunId, payload.WamidPrefix, target.ToString(), o.Bare, o.ClosedLoop ? "closed_loop" : "open_loop",
            o.Rate, o.WarmupSeconds, o.DurationSeconds, o.Concurrency, Math.Round(status[200] / o.DurationSeconds, 1), measured,
            LatencySummary.Of(r.Latency), LatencySummary.Of(r.ServiceTime), LatencySummary.Of(r.SendLag), r.TotalSent, r.TotalOk, cost,
            payloads.Pregenerated, o.AckedFile, r.FirstError);
    }

    public void WriteSummary(TextWriter w)
    {
        var offered = Mode == "closed_loop" ? $"closed-loop, {Concurrency} workers" : $"open-loop {TargetRate:0.##}/s, ≤{Concurrency} in flight";
        w.WriteLine($"run {RunId} → {Target}{(Bare ? " (bare)" : "")}: {offered}, {WarmupSeconds:0.##} s warm-up + {DurationSeconds:0.##} s measured");
        w.WriteLine($"  achieved   {AchievedRate:0.0} events/s acknowledged (200)");
        w.WriteLine($"  requests   {Measured.Scheduled} due, {Measured.Sent} sent, {Measured.Unsent} unsent; "
            + string.Join(", ", Measured.Status.Select(s => $"{s.Key}: {s.Value}")) + $", errors: {Measured.Errors}, timeouts: {Measured.Timeouts}");
        w.WriteLine($"  latency    {Line(Latency)}   (200s, from the scheduled send time)");
        w.WriteLine($"  service    {Line(ServiceTime)}   (200s, from the actual send)");
        w.WriteLine($"  send lag   {Line(SendLag)}   (all answered, scheduled → sent)");
        w.WriteLine($"  generator  {Generator.CpuPercent:0.0} % of one core{(Bare ? " (bare server included)" : "")}; GCs gen0/1/2 "
            + $"{Generator.Gen0Collections}/{Generator.Gen1Collections}/{Generator.Gen2Collections}, {Generator.GcPauseMs:0.0} ms paused (measured phase)");
        w.WriteLine($"  all phases {TotalSent} sent, {TotalOk} acknowledged, {Pregenerated} bodies pre-signed; wamids {WamidPrefix}<n>");
        if (FirstError is not null) w.WriteLine($"  first error: {FirstError}");
        if (Measured.Unsent > 0)
            w.WriteLine($"  warning: the offered rate was not sustained: {Measured.Unsent} due requests never left because all {Concurrency} slots "
                + "stayed busy to the end. The server is slower than --rate; the latencies above leave that backlog out.");

        static string Line(LatencySummary l) =>
            $"ms p50 {l.P50:0.000}  p90 {l.P90:0.000}  p99 {l.P99:0.000}  p99.9 {l.P999:0.000}  max {l.Max:0.000}  (n={l.Count})";
    }

    public async Task WriteJsonAsync(string path)
    {
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, this, ReportJson.Default.RunReport);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(RunReport))]
internal sealed partial class ReportJson : JsonSerializerContext;
