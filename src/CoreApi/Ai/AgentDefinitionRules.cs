using System.Text.Json;
using System.Text.RegularExpressions;
using MultichannelMessages.Contracts.Ai;

namespace MultichannelMessages.CoreApi.Ai;

/// <summary>A field at fault in an agent document, named as the request names it (<c>definition.tools.custom[0].url</c>).</summary>
public sealed record DefinitionProblem(string Field, string Code, string Detail);

/// <summary>
/// What makes an agent document runnable, checked when a draft is saved and again when it is published (a queue may
/// have been removed since, or the draft written by an older build), in one place so both say the same. The document
/// comes back normalized — text trimmed, missing lists empty, what does not belong to a rule's kind or a tool's
/// authentication dropped — and that is what is stored, so the Worker never meets a null list.
/// </summary>
public static partial class AgentDefinitionRules
{
    public const int MaxInstructions = 20_000;
    public const int MaxMeasures = 30;
    public const int MaxCustomTools = 20;
    public const int MaxRules = 20;

    /// <summary>The built-in tools (reply, ask, hand off and resolve are the envelope's actions, not tools).</summary>
    public static readonly string[] BuiltinTools = ["tag", "set_attribute", "classify", "transfer_to_queue", "send_template", "search_manual"];

    public static readonly string[] HandoffKinds = ["asks_for_person", "frustration", "low_confidence", "out_of_scope", "max_turns", "keywords"];

    private static readonly string[] MeasureTypes = ["string", "number", "boolean", "enum"];

    // ISO 639-1 (the two-letter codes). The services run with invariant globalization, so CultureInfo cannot tell.
    private static readonly HashSet<string> Languages = """
        aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et
        eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl
        km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj
        om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to
        tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex("^[a-z][a-z0-9]*(_[a-z0-9]+)*$")] private static partial Regex SnakeCase();
    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")] private static partial Regex ToolName();
    [GeneratedRegex("^[A-Za-z0-9-]{1,64}$")] private static partial Regex HeaderName();
    [GeneratedRegex(@"\{([^{}]*)\}")] private static partial Regex Placeholder();

    /// <summary>A new agent's document: a polite assistant that hands over when asked or unsure, and always says so.</summary>
    public static AgentDefinition Default() => new(
        new AgentPersona("Assistant",
            "You are the customer service assistant of this business. Answer briefly and politely, only about the business, "
            + "from what you know and the manual. When you do not know, say so and offer to pass the customer to a person.",
            "friendly", ["en"]),
        [],
        new AgentTools(["search_manual"], []),
        new AgentHandoff(null,
        [
            new HandoffRule("asks_for_person", "Of course, I'm passing you to a colleague who will answer you here shortly."),
            new HandoffRule("low_confidence", "I'd rather not guess: a colleague will answer you here shortly.", Threshold: 0.4),
        ]));

    /// <summary>The document normalized, or the first field at fault. <paramref name="queueIds"/>: the project's queues.</summary>
    public static (AgentDefinition? Definition, DefinitionProblem? Problem) Check(AgentDefinition? definition, IReadOnlySet<long> queueIds,
        string at = "definition")
    {
        if (definition is null) return (null, new(at, "required", "Give the agent's definition."));
        DefinitionProblem? problem;
        if ((problem = Persona(definition.Persona, $"{at}.persona", out var persona)) is not null) return (null, problem);
        if ((problem = Measures(definition.Measures ?? [], $"{at}.measures", out var measures)) is not null) return (null, problem);
        if ((problem = Tools(definition.Tools ?? new AgentTools([], []), $"{at}.tools", out var tools)) is not null) return (null, problem);
        if ((problem = Handoff(definition.Handoff ?? new AgentHandoff(null, []), queueIds, $"{at}.handoff", out var handoff)) is not null)
            return (null, problem);
        if (definition.DebounceSeconds is < 0 or > 60)
            return (null, new($"{at}.debounceSeconds", "invalid_debounce", "The debounce is 0 to 60 seconds."));
        if (definition.MaxTurns is < 1 or > 100)
            return (null, new($"{at}.maxTurns", "invalid_max_turns", "An episode has 1 to 100 AI turns."));
        if (!(definition.Temperature is >= 0 and <= 2))
            return (null, new($"{at}.temperature", "invalid_temperature", "The temperature is 0 to 2."));
        return (definition with { Persona = persona!, Measures = measures!, Tools = tools!, Handoff = handoff! }, null);
    }

    private static DefinitionProblem? Persona(AgentPersona? given, string at, out AgentPersona? persona)
    {
        persona = null;
        if (given is null) return new(at, "required", "Give the agent's persona.");
        var name = given.Name?.Trim() ?? "";
        if (name.Length is 0 or > 80) return new($"{at}.name", "invalid_persona_name", "The persona's name has 1 to 80 characters.");
        var instructions = given.Instructions?.Trim() ?? "";
        if (instructions.Length == 0) return new($"{at}.instructions", "instructions_required", "Write the agent's instructions.");
        if (instructions.Length > MaxInstructions)
            return new($"{at}.instructions", "instructions_too_long", $"Instructions have at most {MaxInstructions:N0} characters; these have {instructions.Length:N0}.");
        var tone = string.IsNullOrWhiteSpace(given.Tone) ? null : given.Tone.Trim();
        if (tone is { Length: > 200 }) return new($"{at}.tone", "invalid_tone", "The tone has at most 200 characters.");
        var languages = given.Languages ?? [];
        if (languages.Length == 0) return new($"{at}.languages", "languages_required", "List at least one language the agent answers in (en, es…).");
        var codes = new List<string>();
        for (var i = 0; i < languages.Length; i++)
        {
            var code = languages[i]?.Trim().ToLowerInvariant() ?? "";
            if (!Languages.Contains(code))
                return new($"{at}.languages[{i}]", "invalid_language", "A language is an ISO 639-1 code of two letters (en, es, pt…).");
            if (codes.Contains(code)) return new($"{at}.languages[{i}]", "duplicate_language", $"\"{code}\" is listed twice.");
            codes.Add(code);
        }
        persona = new AgentPersona(name, instructions, tone, [.. codes]);
        return null;
    }

    private static DefinitionProblem? Measures(AgentMeasure[] given, string at, out AgentMeasure[]? measures)
    {
        measures = null;
        if (given.Length > MaxMeasures) return new(at, "too_many_measures", $"An agent has at most {MaxMeasures} measures.");
        var result = new List<AgentMeasure>();
        for (var i = 0; i < given.Length; i++)
        {
            var here = $"{at}[{i}]";
            if (given[i] is not { } m) return new(here, "required", "Give the measure.");
            var key = m.Key?.Trim() ?? "";
            if (key.Length > 40 || !SnakeCase().IsMatch(key))
                return new($"{here}.key", "invalid_measure_key", "A measure's key is snake_case (order_id, lead_stage), at most 40 characters.");
            if (result.Any(r => r.Key == key)) return new($"{here}.key", "duplicate_measure_key", $"\"{key}\" is used by another measure.");
            var type = m.Type?.Trim() ?? "";
            if (!MeasureTypes.Contains(type)) return new($"{here}.type", "invalid_measure_type", "A measure's type is string, number, boolean or enum.");
            var description = m.Description?.Trim() ?? "";
            if (description.Length is 0 or > 500)
                return new($"{here}.description", "invalid_measure_description", "Describe what the measure holds (1 to 500 characters): the model reads it.");
            string[]? values = null;
            if (type == "enum")
            {
                values = m.Values?.Select(v => v?.Trim() ?? "").ToArray() ?? [];
                if (values.Length is 0 or > 50) return new($"{here}.values", "enum_values_required", "An enum measure lists its values (1 to 50).");
                for (var v = 0; v < values.Length; v++)
                    if (values[v].Length is 0 or > 100 || Array.IndexOf(values, values[v]) < v)
                        return new($"{here}.values[{v}]", "invalid_enum_value", "Each value has 1 to 100 characters and is listed once.");
            }
            else if (m.Values is { Length: > 0 })
                return new($"{here}.values", "values_only_for_enum", "Only an enum measure lists values.");
            result.Add(new AgentMeasure(key, type, description, values, m.Classification));
        }
        measures = [.. result];
        return null;
    }

    private static DefinitionProblem? Tools(AgentTools given, string at, out AgentTools? tools)
    {
        tools = null;
        var builtin = given.Builtin ?? [];
        for (var i = 0; i < builtin.Length; i++)
        {
            if (!BuiltinTools.Contains(builtin[i]))
                return new($"{at}.builtin[{i}]", "unknown_builtin_tool", $"A built-in tool is one of {string.Join(", ", BuiltinTools)}.");
            if (Array.IndexOf(builtin, builtin[i]) < i) return new($"{at}.builtin[{i}]", "duplicate_tool", $"\"{builtin[i]}\" is listed twice.");
        }
        var custom = given.Custom ?? [];
        if (custom.Length > MaxCustomTools) return new($"{at}.custom", "too_many_tools", $"An agent has at most {MaxCustomTools} custom tools.");
        var checkedTools = new List<CustomTool>();
        for (var i = 0; i < custom.Length; i++)
        {
            if (CustomTools.Check(custom[i], $"{at}.custom[{i}]", out var tool) is { } problem) return problem;
            if (BuiltinTools.Contains(tool!.Name, StringComparer.OrdinalIgnoreCase))
                return new($"{at}.custom[{i}].name", "tool_name_taken", $"\"{tool.Name}\" is a built-in tool's name.");
            if (checkedTools.Any(t => string.Equals(t.Name, tool.Name, StringComparison.OrdinalIgnoreCase)))
                return new($"{at}.custom[{i}].name", "duplicate_tool", $"Another custom tool is called \"{tool.Name}\".");
            checkedTools.Add(tool);
        }
        tools = new AgentTools([.. builtin], [.. checkedTools]);
        return null;
    }

    private static DefinitionProblem? Handoff(AgentHandoff given, IReadOnlySet<long> queueIds, string at, out AgentHandoff? handoff)
    {
        handoff = null;
        if (given.QueueId is { } queue && !queueIds.Contains(queue))
            return new($"{at}.queueId", "unknown_queue", "That queue does not exist in this project.");
        var rules = given.Rules ?? [];
        if (rules.Length > MaxRules) return new($"{at}.rules", "too_many_rules", $"An agent has at most {MaxRules} handoff rules.");
        var result = new List<HandoffRule>();
        for (var i = 0; i < rules.Length; i++)
        {
            if (Rule(rules[i], $"{at}.rules[{i}]", out var rule) is { } problem) return problem;
            result.Add(rule!);
        }
        handoff = new AgentHandoff(given.QueueId, [.. result]);
        return null;
    }

    private static DefinitionProblem? Rule(HandoffRule? given, string at, out HandoffRule? rule)
    {
        rule = null;
        if (given is null) return new(at, "required", "Give the rule.");
        var kind = given.Kind?.Trim() ?? "";
        if (!HandoffKinds.Contains(kind)) return new($"{at}.kind", "invalid_handoff_kind", $"A handoff rule is one of {string.Join(", ", HandoffKinds)}.");
        // A handoff always tells the customer what happens: never a silent one.
        var message = given.Message?.Trim() ?? "";
        if (message.Length is 0 or > 1000)
            return new($"{at}.message", "handoff_message_required", "Write what the customer is told when this rule hands over (1 to 1,000 characters).");
        switch (kind)
        {
            case "low_confidence" when given.Threshold is not (>= 0 and <= 1):
                return new($"{at}.threshold", "invalid_threshold", "The confidence threshold is 0 to 1.");
            case "max_turns" when given.MaxTurns is not (>= 1 and <= 100):
                return new($"{at}.maxTurns", "invalid_max_turns", "Hand over after 1 to 100 AI turns.");
        }
        string[]? keywords = null, topics = null;
        if (kind == "keywords" && Words(given.Keywords, $"{at}.keywords", "keywords_required", "List the keywords (1 to 50, each 1 to 100 characters).", out keywords) is { } k)
            return k;
        if (kind == "out_of_scope" && Words(given.Topics, $"{at}.topics", "topics_required", "List what the agent must not handle (1 to 50 topics, each 1 to 200 characters).", out topics, 200) is { } t)
            return t;
        rule = new HandoffRule(kind, message, kind == "low_confidence" ? given.Threshold : null, kind == "max_turns" ? given.MaxTurns : null,
            keywords, topics);
        return null;
    }

    private static DefinitionProblem? Words(string[]? given, string at, string code, string detail, out string[]? words, int maxLength = 100)
    {
        words = given?.Select(w => w?.Trim() ?? "").ToArray() ?? [];
        if (words.Length is 0 or > 50) return new(at, code, detail);
        for (var i = 0; i < words.Length; i++)
            if (words[i].Length == 0 || words[i].Length > maxLength) return new($"{at}[{i}]", code, detail);
        return null;
    }

    /// <summary>A custom HTTP tool: its name, endpoint, authentication and strict argument schema.</summary>
    private static class CustomTools
    {
        private static readonly string[] Auths = ["none", "bearer", "api_key", "basic"];
        private static readonly string[] Risks = ["read", "write", "risky"];

        public static DefinitionProblem? Check(CustomTool? given, string at, out CustomTool? tool)
        {
            tool = null;
            if (given is null) return new(at, "required", "Give the tool.");
            var name = given.Name?.Trim() ?? "";
            if (!ToolName().IsMatch(name))
                return new($"{at}.name", "invalid_tool_name", "A tool's name has 1 to 64 letters, digits, '_' or '-' (OpenAI's rule for function names).");
            var description = given.Description?.Trim() ?? "";
            if (description.Length is 0 or > 1024)
                return new($"{at}.description", "invalid_tool_description", "Describe when the agent should use the tool (1 to 1,024 characters): the model reads it.");
            var hosts = new List<string>();
            var allowed = given.AllowedHosts ?? [];
            if (allowed.Length is 0 or > 20) return new($"{at}.allowedHosts", "allowed_hosts_required", "List the hosts the tool may call (1 to 20).");
            for (var i = 0; i < allowed.Length; i++)
            {
                var host = Platform.Net.AllowedEndpoint.Normalize(allowed[i] ?? "");
                if (host.Length is 0 or > 253 || Uri.CheckHostName(host) == UriHostNameType.Unknown)
                    return new($"{at}.allowedHosts[{i}]", "invalid_host", "A host is a name such as api.example.com, without scheme, port or path.");
                hosts.Add(host);
            }
            var parametersAt = $"{at}.parameters";
            if (string.IsNullOrWhiteSpace(given.Parameters))
                return new(parametersAt, "parameters_required",
                    """Give the arguments' JSON schema; without arguments: {"type":"object","properties":{},"required":[],"additionalProperties":false}.""");
            JsonElement schema;
            try { schema = JsonDocument.Parse(given.Parameters).RootElement.Clone(); }
            catch (JsonException) { return new(parametersAt, "invalid_schema", "The parameters are not valid JSON."); }
            if (StrictSchema.Check(schema, parametersAt) is { } schemaProblem) return schemaProblem;
            var url = given.Url?.Trim() ?? "";
            // {param} placeholders are filled from the arguments (escaped), in the path or query only: the host the
            // fetcher may reach is decided here, never by what the model writes.
            var authority = url.Split("://", 2)[^1].Split('/', '?', '#')[0];
            if (authority.Contains('{'))
                return new($"{at}.url", "invalid_url", "Placeholders go in the URL's path or query, not in its host.");
            if (OutsideUrl.Problem(Placeholder().Replace(url, "x"), out var parsed) is { } urlProblem) return new($"{at}.url", "invalid_url", urlProblem);
            foreach (Match placeholder in Placeholder().Matches(url))
                if (!schema.GetProperty("properties").TryGetProperty(placeholder.Groups[1].Value, out _))
                    return new($"{at}.url", "unknown_placeholder", $"{{{placeholder.Groups[1].Value}}} names no property of the parameters.");
            if (!hosts.Contains(Platform.Net.AllowedEndpoint.Normalize(parsed!.Host)))
                return new($"{at}.url", "host_not_allowed", $"The URL's host {parsed.Host} is not in the tool's allowed hosts.");
            var method = given.Method?.Trim().ToUpperInvariant() ?? "";
            if (method is not ("GET" or "POST")) return new($"{at}.method", "invalid_method", "A tool is called with GET or POST.");
            var auth = given.Auth?.Trim() ?? "";
            if (!Auths.Contains(auth)) return new($"{at}.auth", "invalid_auth", "Authentication is none, bearer, api_key or basic.");
            var header = auth == "api_key" ? given.AuthHeader?.Trim() ?? "" : null;
            if (header is not null && (!HeaderName().IsMatch(header) || header.Equals("Host", StringComparison.OrdinalIgnoreCase)))
                return new($"{at}.authHeader", "auth_header_required", "An api_key tool names the header that carries the key (X-Api-Key, say).");
            var user = auth == "basic" ? given.AuthUser?.Trim() ?? "" : null;
            if (user is not null && (user.Length is 0 or > 200 || user.Contains(':')))
                return new($"{at}.authUser", "auth_user_required", "A basic-auth tool names its user (1 to 200 characters, no ':').");
            var risk = given.Risk?.Trim() ?? "";
            if (!Risks.Contains(risk)) return new($"{at}.risk", "invalid_risk", "A tool's risk is read, write or risky (risky waits for a person's approval).");
            if (given.TimeoutMs is < 100 or > 30_000) return new($"{at}.timeoutMs", "invalid_timeout", "A tool's timeout is 100 to 30,000 ms.");
            tool = new CustomTool(name, description, url, method, given.Parameters.Trim(), auth, header, user, risk, [.. hosts.Distinct()], given.TimeoutMs);
            return null;
        }
    }
}
