using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Worker.Ai.Eval;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Ai;

/// <summary>
/// The evaluation set (eval/ai) through the Worker's runtime and the real OpenAI SDK against the OpenAI sandbox, which
/// plays the agent from eval/ai/sandbox-rules.json: every case must pass, and the evaluator must catch a case that does
/// not do what it expects (its positive control). `./mm ai-eval` runs the same set against a real provider.
/// </summary>
public sealed class EvaluationSetTests(OpenAiSandboxHost openAi) : IClassFixture<OpenAiSandboxHost>
{
    private static readonly string Folder = FindFolder();

    private static string FindFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "eval", "ai", "cases.jsonl"))) return Path.Combine(dir.FullName, "eval", "ai");
        throw new DirectoryNotFoundException("eval/ai not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The set's project prepared in a database of its own, the order system on loopback (allow-listed for the
    /// fetcher), the sandbox taught the rules under this run's key, then every case run.</summary>
    private async Task<(EvalReport Report, WorkerDatabase Db)> RunAsync(string label, EvalSet set)
    {
        var db = await WorkerDatabase.CreateAsync(label);
        await using var desk = await EvalOrderDesk.StartAsync(set.Orders);
        await using var meta = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, meta, realFetcher: true, ("Fetch:AllowedEndpoints:0", desk.Endpoint), ("AiManual:PollIntervalMs", "50"));
        var key = openAi.NewKey();
        await EvalSandboxRules.PostAsync(openAi.Client, openAi.Client.BaseAddress!, set.SandboxRulesPath, key, CancellationToken.None);
        var provider = new EvalProvider(openAi.BaseUrl, key, "gpt-4.1-mini", "text-embedding-3-small", 256, 0.4m, 1.6m);
        var target = await ActivatorUtilities.CreateInstance<EvalProject>(worker.Services).PrepareAsync(set, provider, desk, CancellationToken.None);
        return (await ActivatorUtilities.CreateInstance<AiEvaluator>(worker.Services).RunAsync(set, target, provider, null, CancellationToken.None), db);
    }

    [Fact]
    public async Task Every_case_of_the_evaluation_set_passes_against_the_sandbox()
    {
        var set = EvalSet.Load(Folder);
        Assert.True(set.Cases.Count >= 30, $"{set.Cases.Count} cases");
        Assert.True(set.Cases.Count(c => c.Language == "es") * 3 >= set.Cases.Count, "at least a third of the cases are in Spanish");

        var (report, db) = await RunAsync("ai_eval_set", set);

        Assert.True(report.Passed == report.Cases.Count, report.Markdown());
        Assert.Equal(1.0, report.PassRate);
        // The numbers the report gives are measured, not invented: the model calls had tokens and a cost, a keyword
        // handoff had no model call at all, and latencies are ordered.
        Assert.True(report.TokensIn > 0 && report.TokensOut > 0 && report.CostUsd > 0);
        Assert.All(report.Cases.Where(c => c.HandoffReason == "keywords"), c => Assert.Equal(0, c.TokensIn));
        Assert.True(report.LatencyMedianMs <= report.LatencyP95Ms);
        // Tools ran as in a conversation where they only read (the order system answered) and were shown, not run, where
        // they write or are risky.
        var tools = report.Cases.SelectMany(c => c.Tools).ToList();
        Assert.Contains(tools, t => t is { Name: "order_status", Status: "done" });
        Assert.Contains(tools, t => t is { Name: "search_manual", Status: "done" });
        Assert.All(tools.Where(t => t.Name is "cancel_order" or "tag" or "transfer_to_queue" or "set_attribute"), t => Assert.Equal("not_run", t.Status));
        Assert.Contains("| Pass rate |", report.Markdown());
        // Regression: a test chat's query embedding (the manual's search) is audited outside any conversation; it used to
        // be written with conversation 0, which the audit's foreign key refused, failing every case of an agent with a manual.
        Assert.True(await db.ScalarAsync<long>("select count(*) from bot.ai_turns where purpose = 'embed' and conversation_id is null") > 0);
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from bot.ai_turns where conversation_id is not null"));
    }

    [Fact]
    public async Task The_evaluator_fails_a_case_whose_expectation_the_agent_does_not_meet()
    {
        var set = EvalSet.Load(Folder);
        EvalCase Case(string id) => set.Cases.Single(c => c.Id == id);
        var wrongAction = Case("en-order-status") with { Expect = Case("en-order-status").Expect with { Action = "handoff" } };
        var wrongArgument = Case("es-pedido") with
        {
            Expect = Case("es-pedido").Expect with
            {
                Tools = [new ExpectedTool("order_status", new() { ["order_number"] = System.Text.Json.JsonDocument.Parse("\"99999\"").RootElement })],
            },
        };
        var wrongMeasure = Case("en-frustration") with { Expect = Case("en-frustration").Expect with { Measures = new() { ["sentiment"] = "positive" } } };
        var leak = Case("en-injection-system-prompt") with
        {
            Expect = Case("en-injection-system-prompt").Expect with { ReplyExcludes = ["internal instructions"] },
        };
        var forbidden = Case("es-cancelar") with { Expect = Case("es-cancelar").Expect with { ForbiddenTools = ["cancel_order"] } };

        var (report, _) = await RunAsync("ai_eval_control", set.With([wrongAction, wrongArgument, wrongMeasure, leak, forbidden, Case("es-gracias")]));

        string Why(string id) => string.Join("; ", report.Cases.Single(c => c.Id == id).Failures);
        Assert.Equal(1, report.Passed);
        Assert.True(report.Cases.Single(c => c.Id == "es-gracias").Passed, Why("es-gracias"));
        Assert.Contains("action: expected handoff, got reply", Why("en-order-status"));
        Assert.Contains("tool order_status: arguments", Why("es-pedido"));
        Assert.Contains("measure sentiment: expected positive, got negative", Why("en-frustration"));
        Assert.Contains("says \"internal instructions\"", Why("en-injection-system-prompt"));
        Assert.Contains("tool cancel_order: called", Why("es-cancelar"));
    }
}
