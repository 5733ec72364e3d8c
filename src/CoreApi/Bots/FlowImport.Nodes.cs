using MultichannelMessages.Contracts.Bots;

namespace MultichannelMessages.CoreApi.Bots;

/// <summary>Each legacy kind as a node (the table in docs/chatbots-legacy-import.md).</summary>
public static partial class FlowImport
{
    private sealed partial class Mapping
    {
        public FlowNode Node(LegacyNode node, string id) => node.Kind?.Trim().ToLowerInvariant() switch
        {
            "text" => Message(node, id),
            "menu" => Menu(node, id),
            "input" => Input(node, id),
            "keyword_router" => Router(node, id),
            "condition" => Condition(node, id),
            "set_var" => SetVariable(node, id),
            "template" => new FlowNode(id, "template", TemplateName: node.Template?.Trim(), TemplateLanguage: node.Language?.Trim(),
                TemplateParameters: node.Params?.ToDictionary(p => p.Key, p => Text(p.Value, node.Id, $"params.{p.Key}") ?? ""),
                Next: Target(node.Goto, node.Id, "goto")),
            "delay" => new FlowNode(id, "wait", Seconds: node.Seconds, Next: Target(node.Goto, node.Id, "goto")),
            "transfer" => new FlowNode(id, "handoff", Text: Text(node.Text, node.Id, "text"), QueueId: Queue(node)),
            "close" => new FlowNode(id, "end", Text: Text(node.Text, node.Id, "text"), Resolve: node.Resolve ?? true),
            "ai" when Agent(node) is { } agentId => new FlowNode(id, "ai_agent", AgentId: agentId),
            "ai" => Unmapped(node, id, "legacy_ai_unmapped",
                $"The AI step names the assistant \"{node.Assistant}\", which is no published AI agent of this project: it is a handoff. Choose an agent."),
            _ => Unmapped(node, id, "legacy_kind_unmapped",
                $"A \"{node.Kind}\" node has no equivalent here: it is a handoff (a person takes over). "
                + "Rebuild what it did (an AI agent's custom tool can call an API) or remove it."),
        };

        private FlowNode Unmapped(LegacyNode node, string id, string code, string detail)
        {
            Report(node.Id, code, detail);
            return new FlowNode(id, "handoff", Text: HandoffText);
        }

        /// <summary>A text with no goto was the legacy conversation's last word: an end saying it.</summary>
        private FlowNode Message(LegacyNode node, string id)
        {
            var media = string.IsNullOrWhiteSpace(node.MediaUrl) ? null : new FlowMedia(node.MediaType?.Trim().ToLowerInvariant() switch
            {
                "file" or "pdf" => "document",
                "photo" => "image",
                { } kind => kind,
                null => "image",
            }, node.MediaUrl.Trim());
            var text = Text(node.Text, node.Id, "text");
            if (string.IsNullOrWhiteSpace(node.Goto) && media is null) return new FlowNode(id, "end", Text: text);
            return new FlowNode(id, "message", Text: text, Media: media, Next: Target(node.Goto, node.Id, "goto"));
        }

        private FlowNode Menu(LegacyNode node, string id)
        {
            var taken = new HashSet<string>(StringComparer.Ordinal);
            var options = node.Options ?? [];
            var choices = options.Select((o, i) => o is null ? null : new FlowChoice(
                Unique(Sanitize(o.Key, $"{i + 1}"), taken),
                (o.Label ?? o.Key ?? "").Trim(),
                Branch(o.Goto, node.Id, $"options[{i}].goto"),
                string.IsNullOrWhiteSpace(o.Description) ? null : o.Description.Trim(),
                o.Keywords?.Where(k => !string.IsNullOrWhiteSpace(k)).Select(k => k!.Trim()).ToArray() is { Length: > 0 } keywords ? keywords : null))
                .OfType<FlowChoice>().ToArray();
            var text = Text(node.Text, node.Id, "text");
            var style = Style(text, choices, Channels);
            return new FlowNode(id, "choice", Text: text, Choices: choices, Style: style,
                ListButton: style == "list" ? (node.ButtonText?.Trim() is { Length: > 0 } button ? button : "Menu") : null,
                SaveAs: SaveAs(node), Retries: Retries(node, 2), InvalidMessage: Text(node.InvalidText, node.Id, "invalidText"),
                Fallback: Target(node.OnInvalid, node.Id, "onInvalid", missingEnds: false) ?? ToHandoff());
        }

        /// <summary>Reply buttons where every channel can show them, else a WhatsApp list, else a numbered text menu.</summary>
        private static string Style(string? text, FlowChoice[] choices, string[] channels)
        {
            bool Fits(int count, int title) => choices.Length <= count && choices.All(c => c.Title.Length <= title);
            var whatsapp = channels.Contains("whatsapp");
            var quickReplies = channels.All(c => c == "whatsapp") || Fits(13, 20);
            if ((text?.Length ?? 0) > FlowRules.MaxInteractiveText || !quickReplies) return "text";
            if (!whatsapp || Fits(3, 20)) return "buttons";
            return Fits(10, 24) && choices.All(c => (c.Description?.Length ?? 0) <= 72) ? "list" : "text";
        }

        private FlowNode Input(LegacyNode node, string id)
        {
            var validation = node.Validation?.Trim();
            (string? Expect, string? Pattern) mapped = validation?.ToLowerInvariant() switch
            {
                null or "" or "text" or "any" => ("text", null),
                "email" or "number" or "phone" or "date" => (validation.ToLowerInvariant(), null),
                "integer" or "decimal" => ("number", null),
                _ when validation.StartsWith("regex:", StringComparison.OrdinalIgnoreCase) => ("pattern", validation[6..]),
                _ => (null, null),
            };
            var (expect, pattern) = mapped;
            if (expect is null)
                Report(node.Id, "legacy_validation_unmapped",
                    $"The validation \"{validation}\" has no equivalent (text, number, date, email, phone or regex:…): any text is accepted. Write a pattern for it.");
            return new FlowNode(id, "question", Text: Text(node.Text, node.Id, "text"), Expect: expect ?? "text", Pattern: pattern,
                SaveAs: SaveAs(node), Retries: Retries(node, 2), InvalidMessage: Text(node.InvalidText, node.Id, "invalidText"),
                Fallback: Target(node.OnInvalid, node.Id, "onInvalid", missingEnds: false) ?? ToHandoff(), Next: Target(node.Goto, node.Id, "goto"));
        }

        private string? SaveAs(LegacyNode node) => string.IsNullOrWhiteSpace(node.Variable) ? null : Variable(node.Variable);

        /// <summary>A router goes to its default at once when no route matches (no retry), as the legacy one did.</summary>
        private FlowNode Router(LegacyNode node, string id)
        {
            var intents = (node.Routes ?? []).Select((r, i) => r is null ? null : new FlowIntent(
                Variable(string.IsNullOrWhiteSpace(r.Name) ? $"route_{i + 1}" : r.Name),
                [.. (r.Keywords ?? []).Where(k => !string.IsNullOrWhiteSpace(k)).Select(k => k!.Trim())],
                Branch(r.Goto, node.Id, $"routes[{i}].goto"))).OfType<FlowIntent>().ToArray();
            return new FlowNode(id, "intent", Text: Text(node.Text, node.Id, "text"), Intents: intents, Retries: Retries(node, 0),
                InvalidMessage: Text(node.InvalidText, node.Id, "invalidText"),
                Fallback: Target(node.OnInvalid, node.Id, "onInvalid", missingEnds: false) ?? ToHandoff());
        }

        private FlowNode Condition(LegacyNode node, string id)
        {
            var conditions = new List<FlowCondition>();
            var rules = node.Rules ?? [];
            for (var i = 0; i < rules.Length; i++)
                if (rules[i] is { } rule && Rule(rule, node.Id, i) is { } condition)
                    conditions.Add(condition with { Next = Branch(rule.Goto, node.Id, $"rules[{i}].goto") });
            return new FlowNode(id, "condition", Conditions: [.. conditions], Else: Target(node.Else, node.Id, "else"));
        }

        /// <summary>A rule as a condition (its Next set by the caller), or null when it cannot be one (reported; the
        /// else covers it).</summary>
        private FlowCondition? Rule(LegacyRule rule, string? nodeId, int index)
        {
            if (rule.BusinessHours is { } hours) return new FlowCondition(hours ? "in_hours" : "out_of_hours", "");
            var op = rule.Operator?.Trim().ToLowerInvariant() switch
            {
                null or "" or "==" or "=" or "eq" or "equals" => "equals",
                "!=" or "<>" or "ne" or "not_equals" => "not_equals",
                "contains" => "contains",
                "exists" or "is_set" => "exists",
                "not_exists" or "empty" or "is_empty" or "missing" => "missing",
                ">" or "gt" => "greater",
                "<" or "lt" => "less",
                _ => null,
            };
            if (op is null)
            {
                Report(nodeId, "legacy_condition_unmapped", $"rules[{index}]: the operator \"{rule.Operator}\" has no equivalent: the rule was left out.");
                return null;
            }
            if (rule.Channel is { } channel)
                return new FlowCondition("channel", "", Op: op, Value: ChannelsOf(channel) is [var one] ? one : channel.Trim().ToLowerInvariant());
            if (rule.ContactField is { } field) return new FlowCondition("attribute", "", Variable(field), op, rule.Value);
            if (rule.Variable is { } variable)
                return _variables.TryGetValue(variable.Trim(), out var known) && known.StartsWith("attr.", StringComparison.Ordinal)
                    ? new FlowCondition("attribute", "", known[5..], op, rule.Value)
                    : new FlowCondition("variable", "", Variable(variable), op, rule.Value);
            Report(nodeId, "legacy_condition_unmapped",
                $"rules[{index}] tests nothing this platform knows (a variable, contactField, channel or businessHours): it was left out.");
            return null;
        }

        /// <summary>A session variable becomes the contact's attribute (there is no other place to write): it outlives the
        /// conversation, which is reported unless the legacy node already wrote the contact.</summary>
        private FlowNode SetVariable(LegacyNode node, string id)
        {
            var attribute = string.IsNullOrWhiteSpace(node.Variable) ? null : Variable(node.Variable);
            if (attribute is not null && node.Scope?.Trim().ToLowerInvariant() != "contact")
                Report(node.Id, "legacy_set_var_session",
                    $"The session variable \"{node.Variable}\" is kept as the contact's attribute {{{{attr.{attribute}}}}}: it outlives the conversation.");
            return new FlowNode(id, "set_attribute", Attribute: attribute, Value: Text(node.Value, node.Id, "value") ?? "",
                Next: Target(node.Goto, node.Id, "goto"));
        }
    }
}
