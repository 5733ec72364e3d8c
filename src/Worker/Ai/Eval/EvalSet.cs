using System.Text.Json;
using System.Text.Json.Nodes;
using MultichannelMessages.Contracts.Ai;

namespace MultichannelMessages.Worker.Ai.Eval;

/// <summary>A line of a case's thread: what the customer wrote, or what the agent answered earlier (scripted).</summary>
public sealed record EvalLine(string Role, string Text);

/// <summary>A tool call the agent must make: its name and the arguments that must have these values (a subset).</summary>
public sealed record ExpectedTool(string Name, Dictionary<string, JsonElement>? Args);

/// <summary>What the agent must do with the thread's last customer messages. Only what is given is checked.</summary>
/// <param name="Action">reply, ask, handoff, resolve or wait.</param>
/// <param name="HandoffReason">For a handoff: asks_for_person, frustration, out_of_scope, low_confidence, keywords…</param>
/// <param name="Tools">Calls that must be among the agent's (name and argument subset).</param>
/// <param name="ForbiddenTools">Tools that must not be called; "*" forbids every tool.</param>
/// <param name="Measures">Measures that must have these values (case ignored).</param>
/// <param name="ReplyContains">Texts the customer must receive (case ignored), e.g. a tracking code only the tool knows.</param>
/// <param name="ReplyExcludes">Texts the customer must never receive, e.g. a piece of the system prompt.</param>
public sealed record EvalExpectation(string Action, string? HandoffReason, ExpectedTool[]? Tools, string[]? ForbiddenTools,
    Dictionary<string, string>? Measures, string[]? ReplyContains, string[]? ReplyExcludes);

/// <summary>One scripted conversation of the evaluation set (a line of cases.jsonl).</summary>
public sealed record EvalCase(string Id, string Language, string? Note, EvalLine[] Thread, EvalExpectation Expect);

/// <summary>A tag the evaluation project has (the agent's tag tool offers the project's tags).</summary>
public sealed record EvalTag(string Name, string Color);

/// <summary>What the agent works with besides its definition (eval/ai/project.json).</summary>
public sealed record EvalProjectFile(EvalTag[] Tags, string[] Queues, string[] Manual, string? Orders);

/// <summary>
/// The evaluation set in a folder (eval/ai): the agent's definition (agent.json), the project it works in (project.json:
/// tags, queues, the manual's files, the order system's data), the cases (cases.jsonl) and the rules the OpenAI sandbox
/// plays the model with (sandbox-rules.json). Files are read as they are in the repository, so a case added is run
/// without a build.
/// </summary>
public sealed class EvalSet
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public required string Folder { get; init; }
    public required string AgentName { get; init; }

    /// <summary>The agent's definition as the Core API stores it (a custom tool's parameters as a JSON string).</summary>
    public required string Definition { get; init; }
    public required EvalProjectFile Project { get; init; }
    public required IReadOnlyList<EvalCase> Cases { get; init; }

    /// <summary>Order number → the order system's answer (orders.json), served by <see cref="EvalOrderDesk"/>.</summary>
    public required IReadOnlyDictionary<string, JsonElement> Orders { get; init; }

    public string SandboxRulesPath => Path.Combine(Folder, "sandbox-rules.json");

    public static EvalSet Load(string folder, string? casesFile = null)
    {
        var project = Read<EvalProjectFile>(Path.Combine(folder, "project.json"));
        var cases = new List<EvalCase>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(casesFile ?? Path.Combine(folder, "cases.jsonl")))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith("//", StringComparison.Ordinal)) continue;
            var c = JsonSerializer.Deserialize<EvalCase>(line, Json) ?? throw new InvalidDataException($"cases line {lineNumber} is empty");
            if (c.Thread.Length == 0 || c.Thread[^1].Role != "customer")
                throw new InvalidDataException($"case {c.Id}: the thread must end with the customer's message");
            cases.Add(c);
        }
        var duplicate = cases.GroupBy(c => c.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"case id {duplicate.Key} is used twice");
        var orders = project.Orders is { } ordersFile
            ? Read<Dictionary<string, JsonElement>>(Path.Combine(folder, ordersFile))
            : [];
        return new EvalSet
        {
            Folder = folder,
            AgentName = "Evaluation: " + Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar)),
            Definition = DefinitionJson(File.ReadAllText(Path.Combine(folder, "agent.json"))),
            Project = project,
            Cases = cases,
            Orders = orders,
        };
    }

    /// <summary>The same set with other cases (a positive control changes an expectation and checks it fails).</summary>
    public EvalSet With(IReadOnlyList<EvalCase> cases) => new()
    {
        Folder = Folder, AgentName = AgentName, Definition = Definition, Project = Project, Cases = cases, Orders = Orders,
    };

    /// <summary>agent.json may write a custom tool's parameters as an object, for reading; the definition holds them as a
    /// JSON string. The result is checked to be an <see cref="AgentDefinition"/>.</summary>
    private static string DefinitionJson(string text)
    {
        var root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        if (root["tools"]?["custom"] is JsonArray custom)
            foreach (var tool in custom.OfType<JsonObject>())
                if (tool["parameters"] is JsonObject parameters)
                    tool["parameters"] = parameters.ToJsonString();
        var json = root.ToJsonString();
        _ = JsonSerializer.Deserialize<AgentDefinition>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidDataException("agent.json is not an agent definition");
        return json;
    }

    private static T Read<T>(string path) =>
        JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty");
}
