using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MultichannelMessages.Worker.Ai.Eval;

/// <summary>The evaluation's result: the pass rate, the failures case by case, tokens, cost and latency.</summary>
public sealed record EvalReport(string BaseUrl, string Model, DateTime FinishedAt, IReadOnlyList<EvalCaseResult> Cases)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public int Passed => Cases.Count(c => c.Passed);
    public double PassRate => Cases.Count == 0 ? 0 : (double)Passed / Cases.Count;
    public long TokensIn => Cases.Sum(c => (long)c.TokensIn);
    public long TokensOut => Cases.Sum(c => (long)c.TokensOut);
    public decimal CostUsd => Cases.Sum(c => c.CostUsd);
    public int LatencyMedianMs => Percentile(0.5);
    public int LatencyP95Ms => Percentile(0.95);

    /// <summary>Nearest rank: the smallest latency that at least this share of cases did not exceed.</summary>
    private int Percentile(double share)
    {
        if (Cases.Count == 0) return 0;
        var sorted = Cases.Select(c => c.LatencyMs).Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(share * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Passed}/{Cases.Count} passed ({PassRate:P1}) · tokens {TokensIn} in, {TokensOut} out · cost ${CostUsd:0.0000} · latency median {LatencyMedianMs} ms, p95 {LatencyP95Ms} ms");

    public string Markdown()
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"# AI evaluation: {Model}\n\n");
        b.Append(CultureInfo.InvariantCulture, $"Provider {BaseUrl}, finished {FinishedAt:yyyy-MM-dd HH:mm:ss} UTC.\n\n");
        b.Append("| Pass rate | Tokens in | Tokens out | Cost (USD) | Latency median | Latency p95 |\n|---|---|---|---|---|---|\n");
        b.Append(CultureInfo.InvariantCulture,
            $"| {Passed}/{Cases.Count} ({PassRate:P1}) | {TokensIn} | {TokensOut} | {CostUsd:0.0000} | {LatencyMedianMs} ms | {LatencyP95Ms} ms |\n\n");
        foreach (var language in Cases.GroupBy(c => c.Language).OrderBy(g => g.Key))
            b.Append(CultureInfo.InvariantCulture, $"- {language.Key}: {language.Count(c => c.Passed)}/{language.Count()} passed\n");
        b.Append("\n| Case | Result | Action | Tools | Tokens | Latency | Why it failed |\n|---|---|---|---|---|---|---|\n");
        foreach (var c in Cases)
            b.Append(CultureInfo.InvariantCulture,
                $"| {c.Id} | {(c.Passed ? "pass" : "**fail**")} | {c.Action}{(c.HandoffReason is { } r ? " (" + r + ")" : "")} | {string.Join(", ", c.Tools.Select(t => t.Name))} | {c.TokensIn}/{c.TokensOut} | {c.LatencyMs} ms | {Cell(string.Join("; ", c.Failures))} |\n");
        return b.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(new
    {
        baseUrl = BaseUrl, model = Model, finishedAt = FinishedAt, passed = Passed, total = Cases.Count, passRate = PassRate,
        tokensIn = TokensIn, tokensOut = TokensOut, costUsd = CostUsd, latencyMedianMs = LatencyMedianMs, latencyP95Ms = LatencyP95Ms,
        cases = Cases,
    }, Json);

    /// <summary>Writes report.json and report.md into the folder; returns their paths.</summary>
    public async Task<(string Json, string Markdown)> WriteAsync(string folder)
    {
        Directory.CreateDirectory(folder);
        var json = Path.Combine(folder, "report.json");
        var markdown = Path.Combine(folder, "report.md");
        await File.WriteAllTextAsync(json, ToJson());
        await File.WriteAllTextAsync(markdown, Markdown());
        return (json, markdown);
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
