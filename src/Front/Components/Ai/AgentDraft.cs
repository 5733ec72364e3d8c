using System.Text.Json;
using MultichannelMessages.Contracts.Ai;

namespace MultichannelMessages.Front.Components.Ai;

/// <summary>
/// The agent document as the editor's tabs change it: mutable, lists as the text an admin types (languages and enum
/// values comma-separated, keywords one per line). <see cref="ToDefinition"/> gives back the shared record the Core API
/// checks; what the editor does not show (debounce, temperature, a tool's timeout) travels through unchanged.
/// </summary>
public sealed class AgentDraft
{
    public string Name { get; set; } = "";
    public string Instructions { get; set; } = "";
    public string? Tone { get; set; }
    public string Languages { get; set; } = "";
    public List<MeasureDraft> Measures { get; } = [];
    public HashSet<string> Builtin { get; } = new(StringComparer.Ordinal);
    public List<ToolDraft> Custom { get; } = [];
    public long? HandoffQueueId { get; set; }
    public List<RuleDraft> Rules { get; } = [];
    public int DebounceSeconds { get; set; }
    public int MaxTurns { get; set; }
    public double Temperature { get; set; }

    /// <summary>The built-in tools the Core API accepts (AgentDefinitionRules.BuiltinTools); reply, ask, hand off and
    /// resolve are the envelope's actions, always available.</summary>
    public static readonly string[] BuiltinTools = ["tag", "set_attribute", "classify", "transfer_to_queue", "send_template", "search_manual"];
    public static readonly string[] HandoffKinds = ["asks_for_person", "frustration", "low_confidence", "out_of_scope", "max_turns", "keywords"];
    public static readonly string[] MeasureTypes = ["string", "number", "boolean", "enum"];
    public static readonly string[] Auths = ["none", "bearer", "api_key", "basic"];
    public static readonly string[] Risks = ["read", "write", "risky"];

    public const string EmptySchema = """{"type":"object","properties":{},"required":[],"additionalProperties":false}""";

    public static AgentDraft From(string json) =>
        From(JsonSerializer.Deserialize<AgentDefinition>(json, JsonSerializerOptions.Web)
             ?? throw new JsonException("The agent's draft is empty."));

    public static AgentDraft From(AgentDefinition d)
    {
        var draft = new AgentDraft
        {
            Name = d.Persona?.Name ?? "", Instructions = d.Persona?.Instructions ?? "", Tone = d.Persona?.Tone,
            Languages = string.Join(", ", d.Persona?.Languages ?? []), HandoffQueueId = d.Handoff?.QueueId,
            DebounceSeconds = d.DebounceSeconds, MaxTurns = d.MaxTurns, Temperature = d.Temperature,
        };
        draft.Measures.AddRange((d.Measures ?? []).Select(m => new MeasureDraft
        {
            Key = m.Key, Type = m.Type, Description = m.Description, Values = string.Join(", ", m.Values ?? []), Classification = m.Classification,
        }));
        draft.Builtin.UnionWith(d.Tools?.Builtin ?? []);
        draft.Custom.AddRange((d.Tools?.Custom ?? []).Select(t => new ToolDraft
        {
            Name = t.Name, Description = t.Description, Url = t.Url, Method = t.Method, Parameters = t.Parameters, Auth = t.Auth,
            AuthHeader = t.AuthHeader, AuthUser = t.AuthUser, Risk = t.Risk, AllowedHosts = string.Join(", ", t.AllowedHosts ?? []), TimeoutMs = t.TimeoutMs,
        }));
        draft.Rules.AddRange((d.Handoff?.Rules ?? []).Select(r => new RuleDraft
        {
            Kind = r.Kind, Message = r.Message, Threshold = r.Threshold, MaxTurns = r.MaxTurns,
            Keywords = string.Join('\n', r.Keywords ?? []), Topics = string.Join('\n', r.Topics ?? []),
        }));
        return draft;
    }

    /// <summary>The document to save. Built-in tools keep the Core API's order, so a save without changes is the same document.</summary>
    public AgentDefinition ToDefinition() => new(
        new AgentPersona(Name, Instructions, string.IsNullOrWhiteSpace(Tone) ? null : Tone, Split(Languages, ',')),
        [.. Measures.Select(m => new AgentMeasure(m.Key, m.Type, m.Description, m.Type == "enum" ? Split(m.Values, ',') : null, m.Classification))],
        new AgentTools([.. BuiltinTools.Where(Builtin.Contains)],
            [.. Custom.Select(t => new CustomTool(t.Name, t.Description, t.Url, t.Method, t.Parameters, t.Auth,
                t.Auth == "api_key" ? t.AuthHeader : null, t.Auth == "basic" ? t.AuthUser : null, t.Risk, Split(t.AllowedHosts, ','), t.TimeoutMs))]),
        new AgentHandoff(HandoffQueueId,
            [.. Rules.Select(r => new HandoffRule(r.Kind, r.Message,
                r.Kind == "low_confidence" ? r.Threshold : null,
                r.Kind == "max_turns" ? r.MaxTurns : null,
                r.Kind == "keywords" ? Split(r.Keywords, '\n') : null,
                r.Kind == "out_of_scope" ? Split(r.Topics, '\n') : null))]),
        DebounceSeconds, MaxTurns, Temperature);

    public static string[] Split(string? text, char separator) =>
        (text ?? "").Split(separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}

public sealed class MeasureDraft
{
    public string Key { get; set; } = "";
    public string Type { get; set; } = "string";
    public string Description { get; set; } = "";
    public string Values { get; set; } = "";
    public bool Classification { get; set; }
}

public sealed class ToolDraft
{
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public string Url { get; set; } = "https://";
    public string Method { get; set; } = "GET";
    public string Parameters { get; set; } = AgentDraft.EmptySchema;
    public string Auth { get; set; } = "none";
    public string? AuthHeader { get; set; }
    public string? AuthUser { get; set; }
    public string Risk { get; set; } = "read";
    public string AllowedHosts { get; set; } = "";
    public int TimeoutMs { get; set; } = 5_000;
}

public sealed class RuleDraft
{
    public string Kind { get; set; } = "asks_for_person";
    public string Message { get; set; } = "";
    public double? Threshold { get; set; }
    public int? MaxTurns { get; set; }
    public string Keywords { get; set; } = "";
    public string Topics { get; set; } = "";
}
