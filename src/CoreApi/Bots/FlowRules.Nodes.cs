using System.Globalization;
using System.Text.RegularExpressions;
using MultichannelMessages.Contracts.Bots;

namespace MultichannelMessages.CoreApi.Bots;

/// <summary>Each node's own fields, by type.</summary>
public static partial class FlowRules
{
    private static readonly string[] Styles = ["buttons", "list", "text"];
    private static readonly string[] Expects = ["text", "number", "date", "email", "phone", "pattern"];
    private static readonly string[] MediaKinds = ["image", "video", "audio", "document"];
    private static readonly string[] ConditionKinds = ["variable", "attribute", "channel", "in_hours", "out_of_hours"];
    private static readonly string[] Ops = ["equals", "not_equals", "contains", "exists", "missing", "greater", "less"];

    private static void Node(FlowNode node, Dictionary<string, FlowNode> byId, string[] channels, FlowRulesContext context, Found found)
    {
        var id = node.Id;
        if (!NodeTypes.Contains(node.Type))
        {
            found.Add(id, "type", "flow_node_type_unknown", $"A node's type is one of {string.Join(", ", NodeTypes)}.");
            return;
        }
        foreach (var (field, target) in Exits(node))
        {
            if (string.IsNullOrEmpty(target)) found.Add(id, field, "flow_next_missing", "Choose the node this goes on to.");
            else if (!byId.ContainsKey(target)) found.Add(id, field, "flow_next_unknown", $"No node is called \"{target}\".");
        }
        if (node.Type is "choice" or "question" or "intent")
        {
            if (node.Retries is < 0 or > 5) found.Add(id, "retries", "flow_retries_invalid", "An invalid answer is asked again 0 to 5 times.");
            TextLength(id, "invalidMessage", node.InvalidMessage, MaxText, found);
            if (node.SaveAs is { } saveAs && !VariableName().IsMatch(saveAs))
                found.Add(id, "saveAs", "flow_save_as_invalid", "A variable's name is lower-case letters, digits or '_', starting with a letter (at most 40).");
        }
        switch (node.Type)
        {
            case "message":
                Text(node, node.Media is null, MaxText, found);
                Media(node, found);
                break;
            case "choice":
                Choice(node, channels, found);
                break;
            case "question":
                Text(node, true, MaxText, found);
                Question(node, found);
                break;
            case "intent":
                Text(node, false, MaxText, found);
                Intents(node, found);
                break;
            case "condition":
                Conditions(node, found);
                break;
            case "set_attribute" when node.Attribute is null || !VariableName().IsMatch(node.Attribute):
                found.Add(id, "attribute", "flow_attribute_invalid", "An attribute's name is lower-case letters, digits or '_', starting with a letter (at most 40).");
                break;
            case "ai_agent" when node.AgentId is not { } agent || !context.PublishedAgentIds.Contains(agent):
                found.Add(id, "agentId", "flow_agent_unknown", "Choose a published AI agent of this project.");
                break;
            case "template":
                Template(node, context, found);
                break;
            case "wait" when node.Seconds is not (>= 1 and <= 86_400):
                found.Add(id, "seconds", "flow_wait_invalid", "A wait lasts 1 to 86,400 seconds (a day).");
                break;
            case "handoff":
                Text(node, false, MaxText, found);
                if (node.QueueId is { } queue && !context.QueueIds.Contains(queue))
                    found.Add(id, "queueId", "flow_queue_unknown", "That queue does not exist in this project.");
                break;
            case "end":
                Text(node, false, MaxText, found);
                break;
        }
    }

    private static void Text(FlowNode node, bool required, int max, Found found)
    {
        if (string.IsNullOrWhiteSpace(node.Text))
        {
            if (required) found.Add(node.Id, "text", "flow_text_missing", "Write what the bot says here.");
        }
        else TextLength(node.Id, "text", node.Text, max, found);
    }

    private static void Media(FlowNode node, Found found)
    {
        if (node.Media is not { } media) return;
        if (!MediaKinds.Contains(media.Kind))
            found.Add(node.Id, "media.kind", "flow_media_invalid", "Media is an image, video, audio or document.");
        if (!Uri.TryCreate(media.Url, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
            found.Add(node.Id, "media.url", "flow_media_invalid", "Media is fetched by Meta from an https address.");
    }

    private static void Choice(FlowNode node, string[] channels, Found found)
    {
        var style = node.Style ?? "buttons";
        if (!Styles.Contains(style)) found.Add(node.Id, "style", "flow_style_invalid", "Choices are shown as buttons, a list or text.");
        Text(node, true, style == "text" ? MaxText : MaxInteractiveText, found);
        var choices = node.Choices ?? [];
        if (choices.Length == 0) found.Add(node.Id, "choices", "flow_choices_missing", "A choice node offers at least one choice.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < choices.Length; i++)
        {
            var at = $"choices[{i}]";
            if (choices[i] is not { } choice)
            {
                found.Add(node.Id, at, "flow_choices_missing", "An empty choice: remove it.");
                continue;
            }
            if (choice.Id is null || !Id().IsMatch(choice.Id))
                found.Add(node.Id, $"{at}.id", "flow_choice_id_invalid", "A choice's id has 1 to 40 lower-case letters, digits or '_'.");
            else if (!seen.Add(choice.Id))
                found.Add(node.Id, $"{at}.id", "flow_choice_id_duplicate", $"Another choice of this node is \"{choice.Id}\".");
            if (string.IsNullOrWhiteSpace(choice.Title)) found.Add(node.Id, $"{at}.title", "flow_text_missing", "Give the choice a title.");
            Keywords(node.Id, $"{at}.keywords", choice.Keywords, false, found);
        }
        if (Styles.Contains(style)) ChannelLimits(node, style, channels, found);
    }

    private static void Question(FlowNode node, Found found)
    {
        var expect = node.Expect ?? "text";
        if (!Expects.Contains(expect))
            found.Add(node.Id, "expect", "flow_expect_invalid", "An answer is expected as text, number, date, email, phone or pattern.");
        if (expect == "pattern" && !ValidPattern(node.Pattern))
            found.Add(node.Id, "pattern", "flow_pattern_invalid", "The pattern is a regular expression (at most 500 characters), such as ^[0-9]{6}$.");
    }

    private static bool ValidPattern(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern) || pattern.Length > 500) return false;
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100));
            return true;
        }
        catch (ArgumentException) { return false; }
    }

    private static void Intents(FlowNode node, Found found)
    {
        var intents = node.Intents ?? [];
        if (intents.Length == 0) found.Add(node.Id, "intents", "flow_intents_missing", "An intent node routes by at least one intent.");
        for (var i = 0; i < intents.Length; i++)
        {
            if (intents[i] is not { } intent) found.Add(node.Id, $"intents[{i}]", "flow_intents_missing", "An empty intent: remove it.");
            else Keywords(node.Id, $"intents[{i}].keywords", intent.Keywords, true, found);
        }
    }

    private static void Keywords(string? nodeId, string at, string?[]? keywords, bool required, Found found)
    {
        if (required && (keywords ?? []).All(string.IsNullOrWhiteSpace))
            found.Add(nodeId, at, "flow_keywords_missing", "List the words that choose this (accents and case are ignored).");
        else
            for (var k = 0; k < (keywords ?? []).Length; k++)
                if (string.IsNullOrWhiteSpace(keywords![k]) || keywords[k]!.Length > 100)
                    found.Add(nodeId, $"{at}[{k}]", "flow_keywords_missing", "A keyword has 1 to 100 characters.");
    }

    private static void Conditions(FlowNode node, Found found)
    {
        var conditions = node.Conditions ?? [];
        if (conditions.Length == 0) found.Add(node.Id, "conditions", "flow_conditions_missing", "A condition node tests at least one condition.");
        for (var i = 0; i < conditions.Length; i++)
        {
            var at = $"conditions[{i}]";
            if (conditions[i] is not { } condition) found.Add(node.Id, at, "flow_conditions_missing", "An empty condition: remove it.");
            else if (Condition(condition) is { } field) found.Add(node.Id, $"{at}.{field}", "flow_condition_invalid", ConditionDetail(field));
        }
    }

    /// <summary>The field at fault in a condition, or null.</summary>
    private static string? Condition(FlowCondition condition)
    {
        switch (condition.Kind)
        {
            case "in_hours" or "out_of_hours":
                return null;
            case "channel":
                if (condition.Op is not (null or "equals" or "not_equals")) return "op";
                return ChannelNames.Contains(condition.Value) ? null : "value";
            case "variable" or "attribute":
                if (condition.Key is null || !VariableName().IsMatch(condition.Key)) return "key";
                if (!Ops.Contains(condition.Op)) return "op";
                if (condition.Op is "exists" or "missing") return null;
                if (string.IsNullOrEmpty(condition.Value)) return "value";
                return condition.Op is "greater" or "less" && !double.TryParse(condition.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                    ? "value" : null;
            default:
                return "kind";
        }
    }

    private static string ConditionDetail(string field) => field switch
    {
        "kind" => "A condition tests a variable, an attribute, the channel, in_hours or out_of_hours.",
        "key" => "Name the variable or attribute tested (lower-case letters, digits or '_').",
        "op" => "Compare with equals, not_equals, contains, exists, missing, greater or less (a channel: equals or not_equals).",
        _ => "Give the value compared with (a number for greater and less; whatsapp, messenger or instagram for a channel).",
    };

    private static void Template(FlowNode node, FlowRulesContext context, Found found)
    {
        if (string.IsNullOrWhiteSpace(node.TemplateName)) found.Add(node.Id, "templateName", "flow_template_missing", "Choose the template to send.");
        else if (!context.TemplateNames.Contains(node.TemplateName))
            found.Add(node.Id, "templateName", "flow_template_unknown", $"This project has no template \"{node.TemplateName}\".");
        if (string.IsNullOrWhiteSpace(node.TemplateLanguage))
            found.Add(node.Id, "templateLanguage", "flow_template_missing", "Choose the template's language.");
        foreach (var (key, value) in node.TemplateParameters ?? [])
            if (value is null) found.Add(node.Id, $"templateParameters.{key}", "flow_template_missing", "Give the parameter's value (variables allowed).");
    }
}
