using System.Globalization;
using System.Text.RegularExpressions;
using MultichannelMessages.Contracts.Bots;
using MultichannelMessages.Platform.Text;

namespace MultichannelMessages.Platform.Bots;

/// <summary>Where a session is: the node, and whether it runs it now (run), waits for the customer's answer there
/// (input) or runs it when a wait node's timer fires (timer). Variables are the answers saved so far.</summary>
public sealed record FlowState(string? NodeId, string Phase, Dictionary<string, string> Variables, int Retries)
{
    public const string Run = "run";
    public const string Input = "input";
    public const string Timer = "timer";

    public static FlowState Start(FlowDefinition flow) => new(flow.Start, Run, [], 0);
}

/// <summary>One turn of the customer: the texts of the messages that arrived together (an album and its caption, a
/// burst), and the id of the button, list row or quick reply they tapped, if any.</summary>
public sealed record FlowInput(string? Text, string? ReplyId);

/// <summary>What the flow may read about the conversation.</summary>
public sealed record FlowContext(string Channel, string? ContactName, string? ContactPhone, IReadOnlyDictionary<string, string> Attributes,
    bool InHours, string Language);

public abstract record FlowAction;

/// <summary>A message to the customer: text, optional media, optional choices shown as <paramref name="Style"/>.</summary>
public sealed record FlowSend(string? Text, FlowMedia? Media, FlowChoice[]? Choices, string? Style, string? ListButton) : FlowAction;

public sealed record FlowSendTemplate(string Name, string Language, Dictionary<string, string> Parameters) : FlowAction;

public sealed record FlowSetAttribute(string Key, string Value) : FlowAction;

/// <summary>The conversation goes to people, in <paramref name="QueueId"/> (null: its queue).</summary>
public sealed record FlowHandOff(long? QueueId, string Reason) : FlowAction;

public sealed record FlowStartAi(long AgentId) : FlowAction;

public sealed record FlowResolve : FlowAction;

/// <summary>What one step did. <paramref name="Outcome"/>: waiting (for the customer), timer (a wait node: run again
/// after <paramref name="TimerSeconds"/>), completed, handed_off, ai_agent, or failed.</summary>
public sealed record FlowStep(FlowState State, IReadOnlyList<FlowAction> Actions, string Outcome, string? Reason, IReadOnlyList<string> Path,
    int? TimerSeconds = null)
{
    public bool Ended => Outcome is not (FlowOutcomes.Waiting or FlowOutcomes.Timer);
}

public static class FlowOutcomes
{
    public const string Waiting = "waiting";
    public const string Timer = "timer";
    public const string Completed = "completed";
    public const string HandedOff = "handed_off";
    public const string AiAgent = "ai_agent";
    public const string Failed = "failed";
    public const string Expired = "expired";
}

/// <summary>
/// Runs a flow one step at a time: from where the session is, with what the customer sent, until the flow waits for
/// the customer (a choice, question or intent node), for a timer, or ends. Pure: no I/O, so the Worker (which commits
/// the actions in one transaction) and the editor's test panel run exactly the same logic.
/// Loop guard: more than <see cref="FlowDefinition.MaxStepsPerMessage"/> nodes in one step hands off (guard_steps).
/// </summary>
public static partial class FlowEngine
{
    public static FlowStep Step(FlowDefinition flow, FlowState state, FlowInput? input, FlowContext context)
    {
        var nodes = new Dictionary<string, FlowNode>(StringComparer.Ordinal);
        foreach (var n in flow.Nodes ?? []) nodes.TryAdd(n.Id, n);
        var variables = new Dictionary<string, string>(state.Variables, StringComparer.Ordinal);
        var attributes = new Dictionary<string, string>(context.Attributes, StringComparer.Ordinal);
        var actions = new List<FlowAction>();
        var path = new List<string>();
        var pending = input;          // the customer's turn, until a node consumes it
        string? current;

        if (state.Phase == FlowState.Input)
        {
            if (input is null || state.NodeId is null || !nodes.TryGetValue(state.NodeId, out var waiting))
                return new FlowStep(state, [], FlowOutcomes.Waiting, null, []);
            path.Add(waiting.Id);
            pending = null;
            var (next, value) = Answer(waiting, input);
            if (next is null)
            {
                var retries = state.Retries + 1;
                if (retries <= Math.Clamp(waiting.Retries, 0, 5))
                {
                    actions.Add(Reprompt(waiting, variables, attributes, context));
                    return new FlowStep(state with { Variables = variables, Retries = retries }, actions, FlowOutcomes.Waiting, "invalid_answer", path);
                }
                current = waiting.Fallback;
                if (current is null) return HandOff(flow, state, variables, actions, path, "invalid_answer", context, null);
            }
            else
            {
                if (!string.IsNullOrWhiteSpace(waiting.SaveAs) && value is not null) variables[waiting.SaveAs] = value;
                current = next;
            }
        }
        else current = state.NodeId ?? flow.Start;

        var limit = Math.Clamp(flow.MaxStepsPerMessage, 1, 100);
        while (true)
        {
            if (current is null || !nodes.TryGetValue(current, out var node))
                return HandOff(flow, state, variables, actions, path, "node_missing", context, null);
            if (path.Count >= limit)
                return HandOff(flow, state, variables, actions, path, "guard_steps", context, null);
            path.Add(node.Id);
            switch (node.Type)
            {
                case "message":
                    actions.Add(new FlowSend(Fill(node.Text, variables, attributes, context), node.Media, null, null, null));
                    current = node.Next;
                    break;
                case "choice":
                    if (node.Media is not null) actions.Add(new FlowSend(null, node.Media, null, null, null));
                    actions.Add(new FlowSend(Fill(node.Text, variables, attributes, context), null, node.Choices, node.Style ?? "buttons", node.ListButton));
                    return Wait(node, variables, actions, path);
                case "question":
                    actions.Add(new FlowSend(Fill(node.Text, variables, attributes, context), node.Media, null, null, null));
                    return Wait(node, variables, actions, path);
                case "intent":
                    // An intent node without a prompt routes the words that started the session (a keyword or an ad
                    // brought the customer here): they are not asked to say it again.
                    if (pending is { Text: not null } && string.IsNullOrWhiteSpace(node.Text))
                    {
                        var routed = Intent(node, pending.Text);
                        pending = null;
                        if (routed is not null) { current = routed; break; }
                    }
                    if (!string.IsNullOrWhiteSpace(node.Text))
                        actions.Add(new FlowSend(Fill(node.Text, variables, attributes, context), null, null, null, null));
                    return Wait(node, variables, actions, path);
                case "condition":
                    current = (node.Conditions ?? []).FirstOrDefault(c => Holds(c, variables, attributes, context))?.Next ?? node.Else;
                    break;
                case "set_attribute":
                    if (!string.IsNullOrWhiteSpace(node.Attribute))
                    {
                        var value = Fill(node.Value, variables, attributes, context) ?? "";
                        attributes[node.Attribute] = value;
                        actions.Add(new FlowSetAttribute(node.Attribute, value));
                    }
                    current = node.Next;
                    break;
                case "template":
                    actions.Add(new FlowSendTemplate(node.TemplateName ?? "", node.TemplateLanguage ?? context.Language,
                        (node.TemplateParameters ?? []).ToDictionary(p => p.Key, p => Fill(p.Value, variables, attributes, context) ?? "")));
                    current = node.Next;
                    break;
                case "wait":
                    return new FlowStep(new FlowState(node.Next, FlowState.Timer, variables, 0), actions, FlowOutcomes.Timer, null, path,
                        Math.Clamp(node.Seconds ?? 1, 1, 86_400));
                case "ai_agent":
                    if (node.AgentId is not { } agent) return HandOff(flow, state, variables, actions, path, "node_missing", context, null);
                    actions.Add(new FlowStartAi(agent));
                    return new FlowStep(new FlowState(node.Id, FlowState.Run, variables, 0), actions, FlowOutcomes.AiAgent, "ai_agent", path);
                case "handoff":
                    if (!string.IsNullOrWhiteSpace(node.Text))
                        actions.Add(new FlowSend(Fill(node.Text, variables, attributes, context), null, null, null, null));
                    actions.Add(new FlowHandOff(node.QueueId ?? flow.HandoffQueueId, "flow_handoff"));
                    return new FlowStep(new FlowState(node.Id, FlowState.Run, variables, 0), actions, FlowOutcomes.HandedOff, "flow_handoff", path);
                case "end":
                    if (!string.IsNullOrWhiteSpace(node.Text) || node.Media is not null)
                        actions.Add(new FlowSend(Fill(node.Text, variables, attributes, context), node.Media, null, null, null));
                    if (node.Resolve) actions.Add(new FlowResolve());
                    return new FlowStep(new FlowState(node.Id, FlowState.Run, variables, 0), actions, FlowOutcomes.Completed, "completed", path);
                default:
                    return HandOff(flow, state, variables, actions, path, "node_unknown", context, null);
            }
        }
    }

    /// <summary>The session expired waiting for the customer: the flow's timeout message, if any.</summary>
    public static FlowStep Expire(FlowDefinition flow, FlowState state, FlowContext context) =>
        new(state, string.IsNullOrWhiteSpace(flow.TimeoutMessage)
                ? []
                : [new FlowSend(Fill(flow.TimeoutMessage, state.Variables, context.Attributes, context), null, null, null, null)],
            FlowOutcomes.Expired, "expired", state.NodeId is null ? [] : [state.NodeId]);

    /// <summary>A loop guard tripped (or the flow cannot go on): the customer is told, and people take over.</summary>
    public static FlowStep HandOff(FlowDefinition flow, FlowState state, Dictionary<string, string> variables, List<FlowAction> actions,
        List<string> path, string reason, FlowContext context, string? message)
    {
        actions.Add(new FlowSend(message ?? flow.GuardMessage ?? GuardMessage(context.Language), null, null, null, null));
        actions.Add(new FlowHandOff(flow.HandoffQueueId, reason));
        return new FlowStep(state with { Variables = variables }, actions, FlowOutcomes.HandedOff, reason, path);
    }

    public static string GuardMessage(string language) => language.StartsWith("es", StringComparison.OrdinalIgnoreCase)
        ? "Te paso con una persona del equipo, que te responderá enseguida."
        : "I'm passing you to a person from our team, who will answer you shortly.";

    private static FlowStep Wait(FlowNode node, Dictionary<string, string> variables, List<FlowAction> actions, List<string> path) =>
        new(new FlowState(node.Id, FlowState.Input, variables, 0), actions, FlowOutcomes.Waiting, null, path);

    /// <summary>An invalid answer: the node's invalid-answer message, with the choices again so they can be tapped.</summary>
    private static FlowSend Reprompt(FlowNode node, Dictionary<string, string> variables, Dictionary<string, string> attributes, FlowContext context)
    {
        var text = Fill(node.InvalidMessage, variables, attributes, context)
                   ?? (context.Language.StartsWith("es", StringComparison.OrdinalIgnoreCase)
                       ? "No entendí tu respuesta. " : "Sorry, I didn't get that. ") + Fill(node.Text, variables, attributes, context);
        return node.Type == "choice"
            ? new FlowSend(text, null, node.Choices, node.Style ?? "buttons", node.ListButton)
            : new FlowSend(text, null, null, null, null);
    }

    /// <summary>The answer to a waiting node: where it leads and the value saved, or (null, null) when it is not one.</summary>
    public static (string? Next, string? Value) Answer(FlowNode node, FlowInput input)
    {
        switch (node.Type)
        {
            case "choice":
                return Choose(node.Choices ?? [], input) is { } choice ? (choice.Next, choice.Id) : (null, null);
            case "question":
                return Validate(node.Expect ?? "text", node.Pattern, input.Text) is { } value ? (node.Next, value) : (null, null);
            case "intent":
                return input.Text is { } text && Intent(node, text) is { } next ? (next, text.Trim()) : (null, null);
            default:
                return (null, null);
        }
    }

    /// <summary>A tapped button (its id), the choice's number (1, "2.", "3)"), its title, or one of its keywords.</summary>
    public static FlowChoice? Choose(FlowChoice[] choices, FlowInput input)
    {
        if (input.ReplyId is { } id && choices.FirstOrDefault(c => c.Id == id) is { } tapped) return tapped;
        if (input.Text is not { } text) return null;
        var folded = Keywords.Fold(text).Trim();
        if (Number().Match(folded) is { Success: true } m && int.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var n)
            && n >= 1 && n <= choices.Length) return choices[n - 1];
        var plain = Plain(folded);
        return choices.FirstOrDefault(c => Plain(Keywords.Fold(c.Title)) == plain)
               ?? choices.FirstOrDefault(c => c.Keywords is { Length: > 0 } k && Keywords.Any(k, text));
    }

    private static string? Intent(FlowNode node, string text) =>
        (node.Intents ?? []).FirstOrDefault(i => i.Keywords is { Length: > 0 } && Keywords.Any(i.Keywords, text))?.Next;

    private static string Plain(string folded) => Punctuation().Replace(folded, " ").Trim();

    /// <summary>The typed answer as kept, or null when it is not of the expected kind.</summary>
    public static string? Validate(string expect, string? pattern, string? text)
    {
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t)) return null;
        switch (expect)
        {
            case "text":
                return t;
            case "number":
                var normalized = t.Replace(" ", "", StringComparison.Ordinal);
                if (normalized.Count(c => c == ',') == 1 && !normalized.Contains('.', StringComparison.Ordinal))
                    normalized = normalized.Replace(',', '.');
                return decimal.TryParse(normalized, NumberStyles.Number, CultureInfo.InvariantCulture, out var number)
                    ? number.ToString(CultureInfo.InvariantCulture) : null;
            case "date":
                return DateOnly.TryParseExact(t, ["yyyy-MM-dd", "d/M/yyyy", "dd/MM/yyyy", "d-M-yyyy", "dd-MM-yyyy", "d.M.yyyy"],
                    CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null;
            case "email":
                return Email().IsMatch(t) ? t.ToLowerInvariant() : null;
            case "phone":
                var digits = new string(t.Where(char.IsAsciiDigit).ToArray());
                return PhoneShape().IsMatch(t) && digits.Length is >= 7 and <= 15 ? "+" + digits.TrimStart('0') : null;
            case "pattern":
                if (pattern is null) return null;
                try { return Regex.IsMatch(t, pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100)) ? t : null; }
                catch (Exception ex) when (ex is ArgumentException or RegexMatchTimeoutException) { return null; }
            default:
                return null;
        }
    }

    public static bool Holds(FlowCondition condition, IReadOnlyDictionary<string, string> variables, IReadOnlyDictionary<string, string> attributes,
        FlowContext context)
    {
        string? actual = condition.Kind switch
        {
            "variable" => condition.Key is { } k && variables.TryGetValue(k, out var v) ? v : null,
            "attribute" => condition.Key is { } a && attributes.TryGetValue(a, out var av) ? av : null,
            "channel" => context.Channel,
            _ => null,
        };
        if (condition.Kind == "in_hours") return context.InHours;
        if (condition.Kind == "out_of_hours") return !context.InHours;
        var expected = condition.Value ?? "";
        return (condition.Op ?? "equals") switch
        {
            "exists" => !string.IsNullOrEmpty(actual),
            "missing" => string.IsNullOrEmpty(actual),
            "equals" => actual is not null && Keywords.Fold(actual.Trim()) == Keywords.Fold(expected.Trim()),
            "not_equals" => actual is null || Keywords.Fold(actual.Trim()) != Keywords.Fold(expected.Trim()),
            "contains" => actual is not null && Keywords.Fold(actual).Contains(Keywords.Fold(expected), StringComparison.Ordinal),
            "greater" => Compare(actual, expected) > 0,
            "less" => Compare(actual, expected) < 0,
            _ => false,
        };
    }

    private static int? Compare(string? actual, string expected) =>
        decimal.TryParse(actual, NumberStyles.Number, CultureInfo.InvariantCulture, out var a)
        && decimal.TryParse(expected, NumberStyles.Number, CultureInfo.InvariantCulture, out var e) ? a.CompareTo(e) : null;

    /// <summary>{{name}} (a saved answer), {{contact.name}}, {{contact.phone}}, {{attr.key}}; unknown ones are left empty.</summary>
    public static string? Fill(string? text, IReadOnlyDictionary<string, string> variables, IReadOnlyDictionary<string, string> attributes,
        FlowContext context)
    {
        if (string.IsNullOrEmpty(text) || !text.Contains("{{", StringComparison.Ordinal)) return string.IsNullOrWhiteSpace(text) ? null : text;
        return Variable().Replace(text, m =>
        {
            var key = m.Groups[1].Value;
            return key switch
            {
                "contact.name" => context.ContactName ?? "",
                "contact.phone" => context.ContactPhone ?? "",
                _ when key.StartsWith("attr.", StringComparison.Ordinal) => attributes.GetValueOrDefault(key[5..]) ?? "",
                _ => variables.GetValueOrDefault(key) ?? "",
            };
        });
    }

    [GeneratedRegex(@"^\s*(\d{1,2})\s*[.)]?\s*$")] private static partial Regex Number();
    [GeneratedRegex(@"[^\p{L}\p{N}]+")] private static partial Regex Punctuation();
    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")] private static partial Regex Email();
    [GeneratedRegex(@"^\+?[\d\s().-]+$")] private static partial Regex PhoneShape();
    [GeneratedRegex(@"\{\{\s*([a-zA-Z0-9_.]+)\s*\}\}")] private static partial Regex Variable();
}
