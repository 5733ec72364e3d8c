using System.Text.RegularExpressions;
using MultichannelMessages.Contracts.Bots;

namespace MultichannelMessages.CoreApi.Bots;

/// <summary>One legacy flow's mapping state: node ids, variables, the generated handoff and end, the problems found.</summary>
public static partial class FlowImport
{
    [GeneratedRegex(@"\{\{\s*([^{}]+?)\s*\}\}")] private static partial Regex Placeholder();
    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")] private static partial Regex ValidVariable();

    private sealed partial class Mapping(LegacyFlow flow, FlowImportContext context)
    {
        private readonly string _flowId = flow.Id?.Trim() ?? "";
        private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _ids = new(StringComparer.Ordinal);
        /// <summary>Legacy variable → how a text names it now ("order", or "attr.segment" for one kept as an attribute).</summary>
        private readonly Dictionary<string, string> _variables = new(StringComparer.OrdinalIgnoreCase);
        private readonly bool _spanish = flow.Language?.Trim().StartsWith("es", StringComparison.OrdinalIgnoreCase) == true;

        public List<FlowImportProblem> Problems { get; } = [];
        public string Handoff { get; private set; } = HandoffId;
        public string End { get; private set; } = EndId;
        public bool UsesHandoff { get; private set; }
        public bool UsesEnd { get; private set; }

        public string HandoffText => _spanish
            ? "Te paso con una persona de nuestro equipo: te responderá por aquí en breve."
            : "Let me pass you to a person from our team: they will answer you here shortly.";

        public void Report(string? legacyNodeId, string code, string detail) => Problems.Add(new(_flowId, legacyNodeId, code, detail));

        /// <summary>The node's id: its legacy id when valid, else sanitized; a repeated legacy id gets a suffix (its gotos
        /// go to the first).</summary>
        public string Allocate(LegacyNode node)
        {
            if (string.IsNullOrWhiteSpace(node.Id)) Report(null, "legacy_node_id_missing", $"A {node.Kind ?? "node"} without an id: nothing can go to it.");
            var id = Unique(Sanitize(node.Id), _taken);
            if (node.Id is not null && !_ids.TryAdd(node.Id, id))
                Report(node.Id, "legacy_node_id_duplicate", $"Two nodes are called \"{node.Id}\": gotos go to the first; the other is \"{id}\".");
            return id;
        }

        /// <summary>The generated nodes' ids, after every legacy id (a legacy node called import_handoff keeps its id).</summary>
        public void ReserveGenerated()
        {
            Handoff = Unique(HandoffId, _taken);
            End = Unique(EndId, _taken);
        }

        public string ToHandoff()
        {
            UsesHandoff = true;
            return Handoff;
        }

        /// <summary>The node a goto names; a missing one: the end (null: the caller decides); an unknown one: a handoff.</summary>
        public string? Target(string? legacyGoto, string? legacyNodeId, string field, bool missingEnds = true)
        {
            if (string.IsNullOrWhiteSpace(legacyGoto))
            {
                if (!missingEnds) return null;
                UsesEnd = true;
                return End;
            }
            if (_ids.TryGetValue(legacyGoto, out var id)) return id;
            Report(legacyNodeId, "legacy_goto_unknown",
                $"{field} goes to \"{legacyGoto}\", which is no node of this flow: it goes to a handoff instead.");
            return ToHandoff();
        }

        /// <summary>A branch (a menu option, a route, a rule) without a goto: a person takes over there.</summary>
        public string Branch(string? legacyGoto, string? legacyNodeId, string field) =>
            Target(legacyGoto, legacyNodeId, field, missingEnds: false) ?? Missing(legacyNodeId, field);

        private string Missing(string? legacyNodeId, string field)
        {
            Report(legacyNodeId, "legacy_goto_missing", $"{field} goes nowhere: it goes to a handoff instead.");
            return ToHandoff();
        }

        /// <summary>The variables menus and inputs save (kept as variables) and set_var writes (kept as the contact's
        /// attributes), so a text naming them is rewritten before the node saving them is mapped.</summary>
        public void CollectVariables(LegacyNode[] nodes)
        {
            foreach (var node in nodes.Where(n => !string.IsNullOrWhiteSpace(n.Variable)))
                _variables.TryAdd(node.Variable!.Trim(), node.Kind == "set_var" ? $"attr.{Variable(node.Variable)}" : Variable(node.Variable));
        }

        /// <summary>A variable or attribute name (^[a-z][a-z0-9_]{0,39}$) made of a legacy one.</summary>
        public static string Variable(string legacy)
        {
            var name = Sanitize(legacy.Trim(), "value");
            name = char.IsAsciiLetterLower(name[0]) ? name : "v_" + name;
            return name.Length <= 40 ? name : name[..40];
        }

        /// <summary>The text with its placeholders as this platform writes them: {{user.name}} → {{contact.name}}, a
        /// contact field → {{attr.field}}, a saved variable by its name here. An unknown one is kept and reported.</summary>
        public string? Text(string? text, string? legacyNodeId, string field)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            return Placeholder().Replace(text.Trim(), m =>
            {
                var name = m.Groups[1].Value;
                var dot = name.IndexOf('.', StringComparison.Ordinal);
                var (scope, key) = dot < 0 ? ("", name) : (name[..dot].ToLowerInvariant(), name[(dot + 1)..]);
                string? mapped = (scope, key.ToLowerInvariant()) switch
                {
                    ("user" or "contact", "name" or "first_name" or "firstname" or "full_name") => "contact.name",
                    ("user" or "contact", "phone" or "phone_number" or "mobile") => "contact.phone",
                    ("user" or "contact" or "attr" or "attributes", _) => $"attr.{Variable(key)}",
                    ("", _) when _variables.TryGetValue(key, out var v) => v,
                    _ => null,
                };
                if (mapped is not null) return $"{{{{{mapped}}}}}";
                Report(legacyNodeId, "legacy_variable_unknown",
                    $"{field} names {{{{{name}}}}}, which no node of this flow saves: it would be empty. Save it first or rewrite the text.");
                return m.Value;
            });
        }

        /// <summary>Retries after the first answer: the legacy maxAttempts counts the first answer too.</summary>
        public int Retries(LegacyNode node, int missing)
        {
            if (node.MaxAttempts is not { } attempts) return missing;
            var retries = attempts - 1;
            if (retries is >= 0 and <= 5) return retries;
            var clamped = Math.Clamp(retries, 0, 5);
            Report(node.Id, "legacy_value_clamped", $"maxAttempts {attempts}: a question is asked at most 6 times here; it is now {clamped + 1}.");
            return clamped;
        }

        /// <summary>The start node; a missing or unknown one: the first node (reported).</summary>
        public string Start(string[] ids)
        {
            if (flow.StartNodeId is { } start && _ids.TryGetValue(start, out var id)) return id;
            if (ids.Length == 0)
            {
                Report(null, "legacy_flow_empty", "The flow has no nodes.");
                return "";
            }
            var why = flow.StartNodeId is null ? "is missing" : $"\"{flow.StartNodeId}\" is no node of this flow";
            Report(null, "legacy_start_unknown", $"startNodeId {why}: the flow starts at its first node, \"{ids[0]}\".");
            return ids[0];
        }

        /// <summary>The flow's channels (read once: an unknown one is reported once).</summary>
        public string[] Channels => _channels ??= ReadChannels();
        private string[]? _channels;

        private string[] ReadChannels()
        {
            var given = flow.Channels is { Length: > 0 } list ? list : flow.Channel is { } one ? [one] : [];
            if (given.Length == 0) Report(null, "legacy_channel_unmapped", "The flow names no channel: choose them before publishing.");
            var channels = new List<string>();
            foreach (var channel in given)
            {
                var mapped = ChannelsOf(channel);
                if (mapped.Length == 0)
                    Report(null, "legacy_channel_unmapped", $"The channel \"{channel}\" is not one of whatsapp, messenger (facebook) or instagram.");
                channels.AddRange(mapped);
            }
            return [.. channels.Distinct()];
        }

        public static string[] ChannelsOf(string? legacy) => legacy?.Trim().ToLowerInvariant() switch
        {
            "whatsapp" or "wa" => ["whatsapp"],
            "messenger" or "facebook" or "fb" => ["messenger"],
            "instagram" or "ig" => ["instagram"],
            "all" or "omnichannel" => [.. FlowRules.ChannelNames],
            _ => [],
        };

        public long? Queue(LegacyNode node)
        {
            if (string.IsNullOrWhiteSpace(node.Queue)) return null;
            if (context.QueuesByName.TryGetValue(node.Queue.Trim(), out var id)) return id;
            Report(node.Id, "legacy_queue_unmapped",
                $"This project has no queue \"{node.Queue}\": the conversation goes to the flow's handoff queue (or stays in its own). "
                + "Create the queue or choose one.");
            return null;
        }

        public long? Agent(LegacyNode node) =>
            node.Assistant is { } name && context.AgentsByName.TryGetValue(name.Trim(), out var id) ? id : null;
    }
}
