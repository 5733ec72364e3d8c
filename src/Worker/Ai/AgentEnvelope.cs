using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultichannelMessages.Contracts.Ai;

namespace MultichannelMessages.Worker.Ai;

/// <summary>What the model decided in one turn, validated.</summary>
/// <param name="Action">reply, ask, handoff, resolve or wait.</param>
/// <param name="HandoffReason">asks_for_person, frustration, low_confidence, out_of_scope or other; null unless handing off.</param>
/// <param name="Measures">Measure key → value (string form); only the agent's own keys, only non-null values.</param>
/// <param name="Citations">Manual chunk ids the answer relied on (only those given to the model this turn).</param>
public sealed record Envelope(string Action, string[] Messages, string? HandoffReason, double Confidence,
    Dictionary<string, string> Measures, long[] Citations);

/// <summary>
/// The strict envelope every agent turn must return (structured outputs, <c>json_schema</c> with <c>strict: true</c>):
/// the action, the messages to the customer, the handoff reason, the confidence, the agent's measures and the manual
/// passages cited. Handoff is a field, never a phrase in the text (chatwoot #13178). The schema is built per agent
/// (its measures are its properties) and output is checked again here, because a compatible endpoint may not enforce
/// the schema: anything off is a repair, then a handoff.
/// </summary>
public static class AgentEnvelope
{
    public static readonly string[] Actions = ["reply", "ask", "handoff", "resolve", "wait"];
    public static readonly string[] HandoffReasons = ["asks_for_person", "frustration", "low_confidence", "out_of_scope", "other"];
    public const int MaxMessages = 5;
    public const int MaxMessageChars = 4_000;

    public static string Schema(AgentDefinition agent)
    {
        var measures = new JsonObject();
        foreach (var m in agent.Measures)
            measures[m.Key] = m.Type switch
            {
                "number" => new JsonObject { ["type"] = new JsonArray("number", "null"), ["description"] = m.Description },
                "boolean" => new JsonObject { ["type"] = new JsonArray("boolean", "null"), ["description"] = m.Description },
                "enum" => new JsonObject
                {
                    ["type"] = new JsonArray("string", "null"), ["description"] = m.Description,
                    ["enum"] = new JsonArray([.. (m.Values ?? []).Select(v => (JsonNode?)JsonValue.Create(v)), null]),
                },
                _ => new JsonObject { ["type"] = new JsonArray("string", "null"), ["description"] = m.Description },
            };
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["required"] = new JsonArray("action", "messages", "handoff_reason", "confidence", "measures", "citations"),
            ["properties"] = new JsonObject
            {
                ["action"] = new JsonObject
                {
                    ["type"] = "string", ["enum"] = new JsonArray([.. Actions.Select(a => (JsonNode?)JsonValue.Create(a))]),
                    ["description"] = "reply: answer; ask: ask the customer something; handoff: pass to a person; resolve: the matter is done; wait: say nothing now",
                },
                ["messages"] = new JsonObject
                {
                    ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" },
                    ["description"] = "The messages to send to the customer, in their language; for handoff, what to tell them",
                },
                ["handoff_reason"] = new JsonObject
                {
                    ["type"] = new JsonArray("string", "null"),
                    ["enum"] = new JsonArray([.. HandoffReasons.Select(a => (JsonNode?)JsonValue.Create(a)), null]),
                },
                ["confidence"] = new JsonObject { ["type"] = "number", ["description"] = "0 to 1: how sure the answer is right and in scope" },
                ["measures"] = new JsonObject
                {
                    ["type"] = "object", ["additionalProperties"] = false,
                    ["required"] = new JsonArray([.. agent.Measures.Select(m => (JsonNode?)JsonValue.Create(m.Key))]),
                    ["properties"] = measures,
                },
                ["citations"] = new JsonObject
                {
                    ["type"] = "array", ["items"] = new JsonObject { ["type"] = "integer" },
                    ["description"] = "ids of the manual passages the answer used",
                },
            },
        };
        return schema.ToJsonString();
    }

    /// <summary>Parses and checks the model's output against the agent: null with the problem when it is not a valid
    /// envelope (the repair prompt quotes the problem).</summary>
    public static Envelope? Parse(string? content, AgentDefinition agent, IReadOnlyCollection<long> offeredPassages, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(content)) { problem = "the output is empty"; return null; }
        JsonObject root;
        try
        {
            if (JsonNode.Parse(content) is not JsonObject o) { problem = "the output is not a JSON object"; return null; }
            root = o;
        }
        catch (JsonException ex) { problem = "the output is not valid JSON: " + ex.Message; return null; }

        var action = Text(root["action"]);
        if (action is null || !Actions.Contains(action)) { problem = "action must be one of " + string.Join(", ", Actions); return null; }
        if (root["messages"] is not JsonArray rawMessages) { problem = "messages must be an array of strings"; return null; }
        var messages = new List<string>();
        foreach (var item in rawMessages)
        {
            if (Text(item) is not { } text) { problem = "messages must be an array of strings"; return null; }
            if (text.Length > MaxMessageChars) { problem = $"a message is longer than {MaxMessageChars} characters"; return null; }
            if (!string.IsNullOrWhiteSpace(text)) messages.Add(text.Trim());
        }
        if (messages.Count > MaxMessages) { problem = $"at most {MaxMessages} messages"; return null; }
        if (action is "reply" or "ask" && messages.Count == 0) { problem = $"action {action} needs at least one message"; return null; }
        var reason = Text(root["handoff_reason"]);
        if (reason is not null && !HandoffReasons.Contains(reason)) { problem = "handoff_reason must be one of " + string.Join(", ", HandoffReasons) + " or null"; return null; }
        if (action == "handoff") reason ??= "other";
        else reason = null;
        double confidence;
        if (root["confidence"] is JsonValue c && c.TryGetValue(out double number) && number is >= 0 and <= 1) confidence = number;
        else { problem = "confidence must be a number from 0 to 1"; return null; }

        var measures = new Dictionary<string, string>();
        if (root["measures"] is JsonObject rawMeasures)
        {
            foreach (var (key, value) in rawMeasures)
            {
                var measure = agent.Measures.FirstOrDefault(m => m.Key == key);
                if (measure is null) { problem = $"measures.{key} is not a measure of this agent"; return null; }
                if (value is null) continue;
                var text = value.GetValueKind() switch
                {
                    JsonValueKind.String => value.GetValue<string>(),
                    JsonValueKind.Number when measure.Type == "number" => value.GetValue<double>().ToString(CultureInfo.InvariantCulture),
                    JsonValueKind.True or JsonValueKind.False when measure.Type == "boolean" => value.GetValue<bool>() ? "true" : "false",
                    _ => null,
                };
                if (text is null || measure.Type is "number" or "boolean" && value.GetValueKind() == JsonValueKind.String)
                { problem = $"measures.{key} must be a {measure.Type}"; return null; }
                if (measure.Type == "enum" && !(measure.Values ?? []).Contains(text)) { problem = $"measures.{key} must be one of " + string.Join(", ", measure.Values ?? []); return null; }
                if (text.Length > 500) { problem = $"measures.{key} is longer than 500 characters"; return null; }
                measures[key] = text;
            }
        }
        else if (root["measures"] is not null) { problem = "measures must be an object"; return null; }

        var citations = new List<long>();
        if (root["citations"] is JsonArray rawCitations)
            foreach (var item in rawCitations)
                if (item is JsonValue v && v.TryGetValue(out long id) && offeredPassages.Contains(id)) citations.Add(id);
        return new Envelope(action, [.. messages], reason, confidence, measures, [.. citations.Distinct()]);
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
