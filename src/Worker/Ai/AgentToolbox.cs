using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultichannelMessages.Contracts.Ai;
using MultichannelMessages.Platform.Net;
using MultichannelMessages.Platform.Secrets;
using OpenAI.Chat;

namespace MultichannelMessages.Worker.Ai;

/// <summary>What one tool call did, as audited in the turn (bot.ai_turns.tool_calls).</summary>
/// <param name="Status">done, failed, refused (not a tool of this agent, bad arguments), pending_approval, or not_run (a test
/// chat does not run what writes).</param>
public sealed record ToolCallRecord(string Tool, string Arguments, string Status, string Result, long? ApprovalId = null);

/// <summary>One conversation's turn, as the tools see it.</summary>
/// <param name="ClientKey">The client message id a tool that sends uses: fixed per answered message and call, so a retried
/// run never sends twice.</param>
public sealed record ToolScope(long ProjectId, long ConversationId, long AgentId, string Worker, long? TurnId, string ClientKey = "");

/// <summary>
/// The tools an agent may call: the built-ins it enabled (search the manual, tag, set an attribute, transfer to a queue)
/// and its custom HTTP tools. The list comes from the published definition only, so nothing a customer writes can add
/// a tool or widen one: a call to any other name is refused, arguments are checked against the tool's own schema, a
/// custom tool reaches only its allow-listed hosts through the SSRF-safe fetcher, and a risky tool waits for a
/// person's approval (docs/ai-agents.md, "Prompt injection").
/// </summary>
public sealed class AgentToolbox(AiStore store, SafeFetcher fetcher, SecretProtector protector)
{
    public const int MaxResultChars = 8_000;
    private static readonly string[] Builtins = ["search_manual", "tag", "set_attribute", "transfer_to_queue", "classify", "send_template"];

    /// <summary>Which project lists the built-in tools need to describe themselves to the model.</summary>
    public static (bool Tags, bool Labels, bool Templates, bool Queues) ListsNeeded(IReadOnlyCollection<string> builtin) =>
        (builtin.Contains("tag"), builtin.Contains("classify"), builtin.Contains("send_template"), builtin.Contains("transfer_to_queue"));

    /// <param name="lists">The lists already read with the run's inputs (<see cref="AiStore.RunInputsAsync"/>); null: read them here.</param>
    public async Task<IReadOnlyList<ChatTool>> ToolsAsync(AgentDefinition agent, long projectId, AiToolLists? lists = null)
    {
        var tools = new List<ChatTool>();
        foreach (var name in agent.Tools.Builtin.Distinct())
        {
            switch (name)
            {
                case "search_manual":
                    tools.Add(Function(name, "Search the business's manual for passages about a question. Use before answering product, policy or how-to questions.",
                        Obj(("query", Str("What to look for, in the customer's words")))));
                    break;
                case "tag":
                    var tags = lists?.Tags ?? await store.TagNamesAsync(projectId);
                    if (tags.Count > 0)
                        tools.Add(Function(name, "Tag the conversation with one of the project's tags.", Obj(("tag", Enum(tags)))));
                    break;
                case "set_attribute":
                    tools.Add(Function(name, "Remember a fact about the customer as an attribute (e.g. plan, city, order number).",
                        Obj(("key", Str("snake_case attribute name")), ("value", Str("the value")))));
                    break;
                case "classify":
                    var labels = lists?.Labels ?? await store.LabelsAsync(projectId);
                    if (labels.Count > 0)
                        tools.Add(Function(name, "Classify the conversation under one of the project's labels: "
                            + string.Join("; ", labels.Select(l => l.Name + " = " + l.Description)) + ".",
                            Obj(("label", Enum(labels.Select(l => l.Name).ToList())),
                                ("confidence", new JsonObject { ["type"] = "number", ["description"] = "0 to 1" }))));
                    break;
                case "send_template":
                    var templates = lists?.Templates ?? await store.ApprovedTemplatesAsync(projectId);
                    if (templates.Count > 0)
                        tools.Add(Function(name, "Send one of the business's approved WhatsApp templates (a fixed, pre-approved message): "
                            + string.Join("; ", templates.Select(t => $"{t.Name} ({t.Language}, {t.Category.ToLowerInvariant()})"
                                + (t.Keys.Length > 0 ? " variables " + string.Join(", ", t.Keys) : "")))
                            + ". Give every variable the template has.",
                            Obj(("template", Enum(templates.Select(t => t.Name).Distinct().ToList())),
                                ("language", Str("the template's language code, e.g. es or en_US")),
                                ("variables", new JsonObject
                                {
                                    ["type"] = "array",
                                    ["items"] = Obj(("key", Str("the variable's key")), ("value", Str("its value"))),
                                }))));
                    break;
                case "transfer_to_queue":
                    var queues = lists?.Queues ?? await store.QueuesAsync(projectId);
                    if (queues.Count > 0)
                        tools.Add(Function(name, "Move the conversation to another team's queue (the agent keeps answering).",
                            Obj(("queue", Enum(queues.Select(q => q.Name).ToList())))));
                    break;
            }
        }
        foreach (var custom in agent.Tools.Custom)
            tools.Add(ChatTool.CreateFunctionTool(custom.Name, custom.Description, BinaryData.FromString(custom.Parameters),
                functionSchemaIsStrict: true));
        return tools;
    }

    /// <summary>Runs one call the model made; never throws for the model's mistakes (they become the tool's result, so
    /// the model can correct itself).</summary>
    /// <param name="test">An editor's test chat: the call is checked as usual, but only what reads runs — the manual and a
    /// custom tool that is neither risky nor a POST; anything that writes answers what it would have done.</param>
    public async Task<ToolCallRecord> CallAsync(AgentDefinition agent, ToolScope scope, string name, string argumentsJson,
        Func<string, Task<string>> searchManual, bool approved, bool test = false, CancellationToken ct = default)
    {
        JsonObject args;
        try { args = JsonNode.Parse(argumentsJson) as JsonObject ?? throw new JsonException("not an object"); }
        catch (JsonException) { return new(name, argumentsJson, "refused", "{\"error\":\"arguments must be a JSON object\"}"); }

        if (Builtins.Contains(name) && agent.Tools.Builtin.Contains(name))
            return test && name != "search_manual"
                ? new(name, argumentsJson, "not_run", NotRun("it changes the conversation"))
                : await BuiltinAsync(scope, name, args, argumentsJson, searchManual);
        var custom = agent.Tools.Custom.FirstOrDefault(t => t.Name == name);
        if (custom is null) return new(name, argumentsJson, "refused", "{\"error\":\"no such tool\"}");
        if (SchemaProblem(custom.Parameters, args) is { } problem)
            return new(name, argumentsJson, "refused", JsonSerializer.Serialize(new { error = problem }));
        if (test && (custom.Risk == "risky" || custom.Method == "POST"))
            return new(name, argumentsJson, "not_run", NotRun(custom.Risk == "risky"
                ? "it is risky: in a conversation a person approves it first"
                : "it is a POST to the business's system"));
        if (custom.Risk == "risky" && !approved)
        {
            var approval = await store.RequestApprovalAsync(scope.ConversationId, scope.Worker, scope.TurnId, name, args.ToJsonString());
            return new(name, argumentsJson, "pending_approval",
                "{\"status\":\"pending_approval\",\"note\":\"A person must approve this before it runs. Tell the customer you are checking and will come back.\"}",
                approval);
        }
        return await HttpAsync(scope, custom, args, argumentsJson, ct);
    }

    private static string NotRun(string why) =>
        JsonSerializer.Serialize(new { test_run = true, note = "Not run in a test chat: " + why + ". Assume it succeeded." });

    private async Task<ToolCallRecord> BuiltinAsync(ToolScope scope, string name, JsonObject args, string raw,
        Func<string, Task<string>> searchManual)
    {
        string? Arg(string key) => args[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        switch (name)
        {
            case "search_manual":
                return Arg("query") is { Length: > 0 } query
                    ? new(name, raw, "done", await searchManual(query))
                    : new(name, raw, "refused", "{\"error\":\"query is required\"}");
            case "tag":
                return Arg("tag") is { } tag && await store.TagAsync(scope.ConversationId, tag) is not null
                    ? new(name, raw, "done", "{\"tagged\":true}")
                    : new(name, raw, "refused", "{\"error\":\"unknown tag\"}");
            case "set_attribute":
                var key = Arg("key");
                var value = Arg("value");
                if (key is null || !System.Text.RegularExpressions.Regex.IsMatch(key, "^[a-z][a-z0-9_]{0,39}$") || value is null || value.Length > 500)
                    return new(name, raw, "refused", "{\"error\":\"key must be snake_case (up to 40) and value up to 500 characters\"}");
                await store.SetAttributeAsync(scope.ConversationId, key, value);
                return new(name, raw, "done", "{\"saved\":true}");
            case "transfer_to_queue":
                var queue = (await store.QueuesAsync(scope.ProjectId)).FirstOrDefault(q => string.Equals(q.Name, Arg("queue"), StringComparison.OrdinalIgnoreCase));
                if (queue.Name is null) return new(name, raw, "refused", "{\"error\":\"unknown queue\"}");
                await store.TransferAsync(scope.ConversationId, queue.Id);
                return new(name, raw, "done", "{\"transferred\":true}");
            case "classify":
                var confidence = args["confidence"] is JsonValue c && c.TryGetValue<double>(out var number) ? (decimal)Math.Clamp(number, 0, 1) : 0m;
                return Arg("label") is { } label && await store.ClassifyAsync(scope.ConversationId, label, confidence, scope.TurnId) is not null
                    ? new(name, raw, "done", "{\"classified\":true}")
                    : new(name, raw, "refused", "{\"error\":\"unknown label\"}");
            case "send_template":
                var parameters = new JsonObject();
                if (args["variables"] is JsonArray variables)
                    foreach (var v in variables.OfType<JsonObject>())
                        if (v["key"] is JsonValue k && k.TryGetValue<string>(out var vk) && v["value"] is JsonValue vv && vv.TryGetValue<string>(out var given))
                            parameters[vk] = given;
                if (Arg("template") is not { Length: > 0 } template)
                    return new(name, raw, "refused", "{\"error\":\"template is required\"}");
                var (outcome, _, detail) = await store.SendTemplateAsync(scope.ConversationId, scope.Worker, scope.AgentId, scope.ClientKey,
                    template, Arg("language") ?? "", parameters.ToJsonString());
                return outcome is "sent" or "duplicate"
                    ? new(name, raw, "done", "{\"sent\":true}")
                    : new(name, raw, outcome is "lost_lease" or "not_active" or "person_lock" ? "failed" : "refused",
                        JsonSerializer.Serialize(new { error = outcome, detail }));
        }
        return new(name, raw, "refused", "{\"error\":\"no such tool\"}");
    }

    private async Task<ToolCallRecord> HttpAsync(ToolScope scope, CustomTool tool, JsonObject args, string raw, CancellationToken ct)
    {
        var url = FillUrl(tool.Url, args, out var used);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !tool.AllowedHosts.Contains(uri.Host, StringComparer.OrdinalIgnoreCase))
            return new(tool.Name, raw, "refused", "{\"error\":\"the tool's URL is not on its allowed hosts\"}");
        var rest = new JsonObject();
        foreach (var (k, v) in args) if (!used.Contains(k)) rest[k] = v?.DeepClone();
        if (tool.Method == "GET" && rest.Count > 0)
        {
            var query = string.Join("&", rest.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(Scalar(p.Value))));
            uri = new Uri(uri + (uri.Query.Length > 0 ? "&" : "?") + query);
        }
        var headers = new Dictionary<string, string>();
        string? bearer = null;
        if (tool.Auth != "none")
        {
            var enc = await store.ToolSecretAsync(scope.AgentId, tool.Name);
            string secret;
            try { secret = enc is null ? "" : protector.Unprotect(enc, SecretPlace.AiToolSecret(scope.AgentId, tool.Name)); }
            catch (CryptographicException) { return new(tool.Name, raw, "failed", "{\"error\":\"the tool's secret cannot be read\"}"); }
            switch (tool.Auth)
            {
                case "bearer": bearer = secret; break;
                case "api_key": headers[tool.AuthHeader ?? "X-Api-Key"] = secret; break;
                case "basic": headers["Authorization"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{tool.AuthUser}:{secret}")); break;
            }
        }
        var result = await fetcher.FetchAsync(new FetchRequest(uri, 256 * 1024, TimeSpan.FromMilliseconds(tool.TimeoutMs))
        {
            Method = tool.Method == "POST" ? HttpMethod.Post : HttpMethod.Get,
            JsonBody = tool.Method == "POST" ? rest.ToJsonString() : null,
            Headers = headers,
            BearerToken = bearer,
        }, ct);
        if (result.Failure is { } failure)
            return new(tool.Name, raw, "failed", JsonSerializer.Serialize(new { error = failure.Code }));
        await using var file = result.File!;
        var text = await File.ReadAllTextAsync(file.Path, ct);
        if (text.Length > MaxResultChars) text = text[..MaxResultChars];
        return new(tool.Name, raw, "done", text);
    }

    /// <summary>{name} placeholders in the URL, each escaped as one path segment; the arguments used are not sent again.</summary>
    public static string FillUrl(string template, JsonObject args, out HashSet<string> used)
    {
        var names = new HashSet<string>();
        var url = System.Text.RegularExpressions.Regex.Replace(template, @"\{([a-zA-Z0-9_]+)\}", m =>
        {
            names.Add(m.Groups[1].Value);
            return Uri.EscapeDataString(Scalar(args[m.Groups[1].Value]));
        });
        used = names;
        return url;
    }

    private static string Scalar(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => node.ToJsonString(),
    };

    /// <summary>The strict schema's own promise, checked again (a compatible endpoint may not enforce it): the required
    /// properties are there, no others, and scalar types match.</summary>
    public static string? SchemaProblem(string schemaJson, JsonObject args)
    {
        if (JsonNode.Parse(schemaJson) is not JsonObject schema || schema["properties"] is not JsonObject props) return null;
        foreach (var (key, _) in args)
            if (!props.ContainsKey(key)) return $"{key} is not a parameter of this tool";
        if (schema["required"] is JsonArray required)
            foreach (var r in required)
                if (r?.GetValue<string>() is { } key && !args.ContainsKey(key)) return $"{key} is required";
        foreach (var (key, value) in args)
        {
            var types = props[key]?["type"] switch
            {
                JsonValue t => [t.GetValue<string>()],
                JsonArray a => a.Select(x => x?.GetValue<string>() ?? "").ToArray(),
                _ => Array.Empty<string>(),
            };
            if (types.Length == 0) continue;
            var kind = value?.GetValueKind() ?? JsonValueKind.Null;
            var ok = types.Any(t => t switch
            {
                "string" => kind == JsonValueKind.String,
                "number" => kind == JsonValueKind.Number,
                "integer" => kind == JsonValueKind.Number && value is JsonValue n && n.TryGetValue(out long _),
                "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
                "null" => kind == JsonValueKind.Null,
                "object" => kind == JsonValueKind.Object,
                "array" => kind == JsonValueKind.Array,
                _ => true,
            });
            if (!ok) return $"{key} must be {string.Join(" or ", types)}";
            if (props[key]?["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
                return $"{key} must be one of the allowed values";
        }
        return null;
    }

    private static ChatTool Function(string name, string description, JsonObject parameters) =>
        ChatTool.CreateFunctionTool(name, description, BinaryData.FromString(parameters.ToJsonString()), functionSchemaIsStrict: true);

    private static JsonObject Str(string description) => new() { ["type"] = "string", ["description"] = description };

    private static JsonObject Enum(IReadOnlyList<string> values) =>
        new() { ["type"] = "string", ["enum"] = new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]) };

    private static JsonObject Obj(params (string Name, JsonObject Schema)[] properties) => new()
    {
        ["type"] = "object",
        ["additionalProperties"] = false,
        ["required"] = new JsonArray([.. properties.Select(p => (JsonNode?)JsonValue.Create(p.Name))]),
        ["properties"] = new JsonObject(properties.Select(p => KeyValuePair.Create(p.Name, (JsonNode?)p.Schema))),
    };
}
