using System.Text.Json;
using System.Text.Json.Nodes;
using MultichannelMessages.OpenAiSandbox.Apis;
using MultichannelMessages.OpenAiSandbox.Requests;
using MultichannelMessages.OpenAiSandbox.Rules;
using MultichannelMessages.OpenAiSandbox.Text;

namespace MultichannelMessages.OpenAiSandbox.Chat;

/// <summary>What the assistant says: text, or tool calls (name and arguments as JSON text).</summary>
public sealed record ChatAnswer(string? Content, IReadOnlyList<(string Name, string Arguments)> ToolCalls, string? RuleId);

/// <summary>
/// Decides the answer to a chat request: the first rule that matches, rendered; else what a model bound by the request
/// would say: a call to the forced tool, a minimal valid instance of the json_schema, or a text that echoes the last
/// user message in its language. The same request always gets the same answer.
/// </summary>
public sealed class ChatResponder(RuleStore rules)
{
    public ChatAnswer Answer(ChatRequest request, RequestScope scope)
    {
        if (rules.Take(request, scope) is { } found)
            return FromRule(found.Rule, found.Captures, request);

        var fallback = DefaultText(request.LastUser);
        if (request.ToolChoice.Forces)
        {
            var tool = request.ToolChoice.Function is { } name ? request.Tool(name)! : request.Tools[0];
            return new ChatAnswer(null, [(tool.Name, Arguments(tool, null, fallback))], null);
        }
        return new ChatAnswer(request.Format.Type == "text" ? fallback : JsonContent(request, fallback, null), [], null);
    }

    private static ChatAnswer FromRule(Rule rule, IReadOnlyDictionary<string, string> captures, ChatRequest request)
    {
        var respond = rule.Definition.Respond!;
        string? Lookup(string name) => Value(name, captures, request, rule.Definition.Match.AfterTool);

        if (rule.CallsToolsFor(request))
        {
            var calls = respond.ToolCalls!
                .Take(request.ParallelToolCalls ? int.MaxValue : 1)
                .Select(call =>
                {
                    var tool = request.Tool(call.Name!)!;
                    var arguments = call.Arguments is { ValueKind: JsonValueKind.String } raw
                        ? Templates.Render(raw.GetString()!, Lookup)
                        : Arguments(tool, Templates.Render(JsonNode.Parse(call.Arguments?.GetRawText() ?? "{}"), Lookup), DefaultText(request.LastUser));
                    return (tool.Name, arguments);
                })
                .ToList();
            return new ChatAnswer(respond.Content is null ? null : Templates.Render(respond.Content, Lookup), calls, rule.Id);
        }

        var content = respond.Content is null ? null : Templates.Render(respond.Content, Lookup);
        var json = respond.Json is { } j ? Templates.Render(JsonNode.Parse(j.GetRawText()), Lookup) : null;
        if (request.Format.Type == "text")
            return new ChatAnswer(content ?? json?.ToJsonString(Json.Relaxed) ?? DefaultText(request.LastUser), [], rule.Id);
        return new ChatAnswer(JsonContent(request, content ?? DefaultText(request.LastUser), json ?? ParsedObject(content)), [], rule.Id);
    }

    /// <summary>The values laid over a valid instance of the schema, strings seeded with the text; for json_object
    /// (or a schema-less json_schema), the values or <c>{"reply": text}</c>.</summary>
    private static string JsonContent(ChatRequest request, string text, JsonNode? values) => request.Format.Schema is { } schema
        ? new SchemaInstance(schema, text).Overlay(values)?.ToJsonString(Json.Relaxed) ?? "null"
        : (values ?? new JsonObject { ["reply"] = text }).ToJsonString(Json.Relaxed);

    private static string Arguments(FunctionTool tool, JsonNode? values, string seed) => tool.Parameters is { } schema
        ? (new SchemaInstance(schema, seed).Overlay(values) ?? new JsonObject()).ToJsonString(Json.Relaxed)
        : (values ?? new JsonObject()).ToJsonString(Json.Relaxed);

    private static string? Value(string name, IReadOnlyDictionary<string, string> captures, ChatRequest request, string? afterTool)
    {
        if (name.StartsWith("match.", StringComparison.Ordinal))
            return captures.GetValueOrDefault(name[6..]);
        if (name == "tool_result" || name.StartsWith("tool_result.", StringComparison.Ordinal))
        {
            var results = request.TrailingToolResults();
            var result = results.LastOrDefault(r => afterTool is null or "*" || r.Function == afterTool).Result;
            return result is null || name == "tool_result" ? result : Templates.Path(result, name[12..]);
        }
        return name switch
        {
            "last_user" => request.LastUser,
            "model" => request.Model,
            "language" => Language.Code(request.LastUser),
            _ => null,
        };
    }

    private static JsonObject? ParsedObject(string? text)
    {
        if (text is null || !text.TrimStart().StartsWith('{'))
            return null;
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The answer when no rule matched: it names what it heard, in the customer's language.</summary>
    public static string DefaultText(string lastUser)
    {
        var heard = lastUser.Trim().ReplaceLineEndings(" ");
        if (heard.Length > 80)
            heard = heard[..80] + "…";
        if (Language.LooksSpanish(lastUser))
            return heard.Length == 0 ? "Respuesta del sandbox: recibí tu mensaje." : $"Respuesta del sandbox: recibí «{heard}».";
        return heard.Length == 0 ? "Sandbox reply: I received your message." : $"Sandbox reply: I received \"{heard}\".";
    }
}
