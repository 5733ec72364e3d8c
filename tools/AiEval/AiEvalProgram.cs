using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MultichannelMessages.Platform.Hosting;
using MultichannelMessages.Worker.Ai.Eval;
using MultichannelMessages.Worker.Extensions;

namespace MultichannelMessages.AiEval;

/// <summary>
/// Runs the evaluation set against a provider and reports the pass rate, the failures, tokens, cost and latency
/// (eval/ai; docs/ai-agents.md, "Evaluation"). The services are the Worker's own (its AI runtime, manual ingester and
/// fetcher) on the database of MM_Database__ConnectionString; nothing is started but the order system's stand-in. The API
/// key is read from the environment variable --api-key-env names, so it is never on a command line or in the output.
/// </summary>
public static class AiEvalProgram
{
    private const string Usage = """
        usage: AiEval --base-url URL [--api-key-env VAR] [--model M] [--embedding-model M|none] [--embedding-dimensions N]
                      [--price-in USD] [--price-out USD] [--embedding-price USD] [--set DIR] [--cases FILE] [--only PREFIX]
                      [--sandbox-rules] [--out DIR] [--min-pass RATE]
          prices are USD per million tokens; --sandbox-rules teaches an OpenAI sandbox at URL the set's rules first;
          exit code 1 when the pass rate is under --min-pass (0 to 1, default 0)
        """;

    public static async Task<int> Main(string[] args)
    {
        Dictionary<string, string> options;
        try { options = Parse(args); }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message + "\n" + Usage);
            return 2;
        }
        try
        {
            return await RunAsync(options);
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or IOException or HttpRequestException or TimeoutException
                                       or Npgsql.NpgsqlException or System.Text.Json.JsonException)
        {
            Console.Error.WriteLine("ai-eval stopped: " + ex.Message);
            return 1;
        }
    }

    private static async Task<int> RunAsync(Dictionary<string, string> o)
    {
        var set = EvalSet.Load(o.GetValueOrDefault("set", Path.Combine("eval", "ai")), o.GetValueOrDefault("cases"));
        if (o.GetValueOrDefault("only") is { } only) set = set.With([.. set.Cases.Where(c => c.Id.StartsWith(only, StringComparison.Ordinal))]);
        string? key = null;
        if (o.GetValueOrDefault("api-key-env") is { } variable)
            key = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value
                : throw new InvalidOperationException($"the environment variable {variable} (--api-key-env) is empty or not set");
        var embedding = o.GetValueOrDefault("embedding-model", "text-embedding-3-small");
        var provider = new EvalProvider(o["base-url"], key, o.GetValueOrDefault("model", "gpt-4.1-mini"), embedding == "none" ? null : embedding,
            o.TryGetValue("embedding-dimensions", out var dims) ? int.Parse(dims, CultureInfo.InvariantCulture) : null,
            Price(o, "price-in", 0.4m), Price(o, "price-out", 1.6m), Price(o, "embedding-price", 0.02m));

        await using var desk = await EvalOrderDesk.StartAsync(set.Orders);
        await using var app = Build(desk);
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        if (o.ContainsKey("sandbox-rules"))
        {
            using var http = new HttpClient();
            var count = await EvalSandboxRules.PostAsync(http, EvalSandboxRules.RootOf(provider.BaseUrl), set.SandboxRulesPath, key ?? "none", cancel.Token);
            Console.WriteLine($"The sandbox at {provider.BaseUrl} plays the agent from {count} rules ({set.SandboxRulesPath}).");
        }
        Console.WriteLine($"Preparing project '{EvalProject.Slug}' (agent, manual) for {provider.ChatModel} at {provider.BaseUrl}…");
        var target = await ActivatorUtilities.CreateInstance<EvalProject>(app.Services).PrepareAsync(set, provider, desk, cancel.Token);
        Console.WriteLine($"Running {set.Cases.Count} cases.");
        var report = await ActivatorUtilities.CreateInstance<AiEvaluator>(app.Services).RunAsync(set, target, provider, r =>
            Console.WriteLine(r.Passed
                ? $"  pass  {r.Id} ({r.LatencyMs} ms)"
                : $"  FAIL  {r.Id} ({r.LatencyMs} ms): {string.Join("; ", r.Failures)}"), cancel.Token);
        var (json, markdown) = await report.WriteAsync(o.GetValueOrDefault("out", Path.Combine(".local", "ai-eval")));
        Console.WriteLine();
        Console.WriteLine(report.Summary());
        Console.WriteLine($"Report: {markdown} and {json}");
        var minimum = o.TryGetValue("min-pass", out var min) ? double.Parse(min, CultureInfo.InvariantCulture) : 0;
        return report.PassRate + 1e-9 >= minimum ? 0 : 1;
    }

    /// <summary>The Worker's AI services on the configured database, without starting any of its loops.</summary>
    private static WebApplication Build(EvalOrderDesk desk)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
        builder.AddServiceDefaults();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Serilog:MinimumLevel:Default"] = "Warning",
            // After any configured entry: the order system's stand-in is the only loopback address the tools may reach.
            ["Fetch:AllowedEndpoints:99"] = desk.Endpoint,
        });
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddAiAgents();
        builder.AddAiManual();
        return builder.Build();
    }

    private static decimal Price(Dictionary<string, string> o, string name, decimal fallback) =>
        o.TryGetValue(name, out var text) ? decimal.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static Dictionary<string, string> Parse(string[] args)
    {
        string[] flags = ["sandbox-rules"];
        string[] known = ["base-url", "api-key-env", "model", "embedding-model", "embedding-dimensions", "price-in", "price-out", "embedding-price",
            "set", "cases", "only", "out", "min-pass", .. flags];
        var options = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : throw new ArgumentException($"unexpected argument {args[i]}");
            if (!known.Contains(name)) throw new ArgumentException($"unknown option --{name}");
            options[name] = flags.Contains(name) ? "true"
                : i + 1 < args.Length ? args[++i] : throw new ArgumentException($"--{name} needs a value");
        }
        if (!options.ContainsKey("base-url")) throw new ArgumentException("--base-url is required");
        return options;
    }
}
