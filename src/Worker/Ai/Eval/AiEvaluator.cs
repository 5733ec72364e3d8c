using System.Diagnostics;
using System.Text.Json;

namespace MultichannelMessages.Worker.Ai.Eval;

/// <summary>What one case did, and whether it did what was expected.</summary>
public sealed record EvalCaseResult(string Id, string Language, bool Passed, IReadOnlyList<string> Failures, string? Action,
    string? HandoffReason, IReadOnlyList<EvalToolCall> Tools, string Measures, string[] Replies, int TokensIn, int TokensOut,
    decimal CostUsd, int LatencyMs, int ModelMs);

/// <summary>
/// Runs the evaluation set through the Worker's own runtime: each case is the agent editor's test chat
/// (<see cref="AgentRunner.TestAsync"/>) on the published agent, so the deterministic rules, the manual, the tools, the
/// strict envelope, the repair and the handoff rules are the ones a customer meets, and nothing is sent or written. The
/// cases run one after another, so each latency is the case's own.
/// </summary>
public sealed class AiEvaluator(AgentRunner runner)
{
    public async Task<EvalReport> RunAsync(EvalSet set, EvalTarget target, EvalProvider provider, Action<EvalCaseResult>? progress,
        CancellationToken ct)
    {
        var results = new List<EvalCaseResult>();
        foreach (var c in set.Cases)
        {
            var result = await RunCaseAsync(c, target, provider, ct);
            results.Add(result);
            progress?.Invoke(result);
        }
        return new EvalReport(provider.BaseUrl, provider.ChatModel, DateTime.UtcNow, results);
    }

    private async Task<EvalCaseResult> RunCaseAsync(EvalCase c, EvalTarget target, EvalProvider provider, CancellationToken ct)
    {
        var claim = new AiTestClaim(0, target.ProjectId, target.AgentId, target.VersionId, target.Definition,
            JsonSerializer.Serialize(c.Thread.Select(l => new { role = l.Role, text = l.Text })), 1);
        var watch = Stopwatch.StartNew();
        var outcome = await runner.TestAsync(claim, "ai-eval", ct);
        var latency = (int)watch.ElapsedMilliseconds;
        var failures = EvalScorer.Failures(c.Expect, outcome);
        var cost = Math.Round(outcome.TokensIn * provider.PriceInPerMillion / 1_000_000m + outcome.TokensOut * provider.PriceOutPerMillion / 1_000_000m, 6);
        return new EvalCaseResult(c.Id, c.Language, failures.Count == 0, failures, outcome.Action, outcome.HandoffReason,
            outcome.Status == "done" ? EvalScorer.ToolCalls(outcome.ToolCalls) : [], outcome.Measures, outcome.Replies, outcome.TokensIn,
            outcome.TokensOut, cost, latency, outcome.ModelMs);
    }
}
