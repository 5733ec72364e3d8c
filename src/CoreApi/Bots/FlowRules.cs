using System.Text.RegularExpressions;
using MultichannelMessages.Contracts.Bots;

namespace MultichannelMessages.CoreApi.Bots;

/// <summary>What the flow checks need to know of the project.</summary>
/// <param name="QueueIds">The project's queues (handoffQueueId, a handoff node's queueId).</param>
/// <param name="PublishedAgentIds">The project's AI agents that are published and not archived (an ai_agent node's agentId).</param>
/// <param name="TemplateNames">The names of the project's templates that are not deleted (a template node's templateName).</param>
public sealed record FlowRulesContext(IReadOnlySet<long> QueueIds, IReadOnlySet<long> PublishedAgentIds, IReadOnlySet<string> TemplateNames);

/// <summary>
/// What makes a flow publishable (docs/chatbots.md, "Publishing checks"), in one place for the save (problems listed),
/// the publish (problems refuse it) and the legacy import. Every problem is reported, not only the first, each on its
/// node and field, so the editor can mark them all at once. The document may come from anywhere (an older build, an
/// import, a hand-written request): a null anywhere is a problem, never an exception.
/// </summary>
public static partial class FlowRules
{
    public const int MaxNodes = 200;
    public const int MaxText = 4096;
    /// <summary>The body of a message with buttons or a list (WhatsApp interactive messages).</summary>
    public const int MaxInteractiveText = 1024;

    public static readonly string[] NodeTypes =
        ["message", "choice", "question", "intent", "condition", "set_attribute", "ai_agent", "template", "wait", "handoff", "end"];

    public static readonly string[] ChannelNames = ["whatsapp", "messenger", "instagram"];

    /// <summary>After these the flow is over.</summary>
    private static readonly string[] Terminals = ["end", "handoff", "ai_agent"];

    /// <summary>These stop the run until the customer answers or a timer fires: a cycle through one cannot spin.</summary>
    private static readonly string[] Waiting = ["choice", "question", "intent", "wait"];

    [GeneratedRegex("^[a-z0-9_]{1,40}$")] private static partial Regex Id();
    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")] private static partial Regex VariableName();

    /// <summary>A small flow a new one starts from: a welcome, a menu of two buttons, then the end or a person.</summary>
    public static FlowDefinition Default() => new("welcome",
    [
        new FlowNode("welcome", "message", Text: "Hi {{contact.name}}! Thanks for writing to us.", Next: "menu", X: 40, Y: 40),
        new FlowNode("menu", "choice", Text: "How can we help you?", Style: "buttons",
            Choices: [new FlowChoice("info", "Information", "info"), new FlowChoice("person", "Talk to a person", "handoff")],
            SaveAs: "topic", InvalidMessage: "Please tap one of the buttons.", Fallback: "handoff", X: 40, Y: 200),
        new FlowNode("info", "end", Text: "You will find our hours and prices on our website. Write again any time!", X: -160, Y: 420),
        new FlowNode("handoff", "handoff", Text: "A person will answer you here shortly.", X: 240, Y: 420),
    ], ["whatsapp", "messenger", "instagram"]);

    /// <summary>Every problem of the document (empty: it can be published), in document order.</summary>
    public static FlowProblem[] Check(FlowDefinition? definition, FlowRulesContext context)
    {
        if (definition is null) return [new(null, "definition", "flow_empty", "Give the flow's document.")];
        var found = new Found();
        var nodes = definition.Nodes ?? [];
        var channels = Flow(definition, context, found);
        var byId = Ids(nodes, found);
        foreach (var node in nodes.OfType<FlowNode>()) Node(node, byId, channels, context, found);
        // Past the limit the save is refused anyway: the graph is not walked for a document that large.
        if (nodes.Length <= MaxNodes && definition.Start is { } start && byId.ContainsKey(start)) Graph(start, byId, found);
        return [.. found.Distinct()];
    }

    private sealed class Found : List<FlowProblem>
    {
        public void Add(string? nodeId, string? field, string code, string detail) => Add(new FlowProblem(nodeId, field, code, detail));
    }

    /// <summary>The flow as a whole; returns its valid channels.</summary>
    private static string[] Flow(FlowDefinition definition, FlowRulesContext context, Found found)
    {
        var nodes = definition.Nodes ?? [];
        if (nodes.Length == 0) found.Add(null, "nodes", "flow_empty", "A flow has at least one node.");
        if (nodes.Length > MaxNodes) found.Add(null, "nodes", "flow_too_many_nodes", $"A flow has at most {MaxNodes} nodes; this one has {nodes.Length}.");
        if (nodes.Length > 0 && (definition.Start is not { } start || !nodes.Any(n => n is not null && n.Id == start)))
            found.Add(null, "start", "flow_start_unknown", "The flow starts at a node of its own: choose the first node.");
        var channels = definition.Channels ?? [];
        if (channels.Length == 0)
            found.Add(null, "channels", "flow_channels_invalid", "Choose the channels the flow runs on (whatsapp, messenger, instagram).");
        for (var i = 0; i < channels.Length; i++)
            if (!ChannelNames.Contains(channels[i]))
                found.Add(null, $"channels[{i}]", "flow_channels_invalid", "A channel is whatsapp, messenger or instagram.");
        if (definition.ExpiryMinutes is < 5 or > 10_080)
            found.Add(null, "expiryMinutes", "flow_expiry_invalid", "A session waits for the customer 5 to 10,080 minutes (a week).");
        if (definition.MaxStepsPerMessage is < 1 or > 100)
            found.Add(null, "maxStepsPerMessage", "flow_limits_invalid", "1 to 100 steps may run for one customer message.");
        if (definition.MaxMessagesPerMinute is < 1 or > 60)
            found.Add(null, "maxMessagesPerMinute", "flow_limits_invalid", "The bot sends 1 to 60 messages a minute in a conversation.");
        if (definition.HandoffQueueId is { } queue && !context.QueueIds.Contains(queue))
            found.Add(null, "handoffQueueId", "flow_queue_unknown", "That queue does not exist in this project.");
        TextLength(null, "timeoutMessage", definition.TimeoutMessage, MaxText, found);
        TextLength(null, "guardMessage", definition.GuardMessage, MaxText, found);
        return [.. channels.Where(ChannelNames.Contains).Distinct()];
    }

    /// <summary>The nodes by id (the first of each id), with ids checked.</summary>
    private static Dictionary<string, FlowNode> Ids(FlowNode?[] nodes, Found found)
    {
        var byId = new Dictionary<string, FlowNode>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Length; i++)
        {
            if (nodes[i] is not { } node)
            {
                found.Add(null, $"nodes[{i}]", "flow_node_id_invalid", "An empty node: remove it.");
                continue;
            }
            if (node.Id is null || !Id().IsMatch(node.Id))
                found.Add(node.Id, "id", "flow_node_id_invalid", "A node's id has 1 to 40 lower-case letters, digits or '_'.");
            if (node.Id is null) continue;
            if (!byId.TryAdd(node.Id, node)) found.Add(node.Id, "id", "flow_node_id_duplicate", $"Another node is called \"{node.Id}\".");
        }
        return byId;
    }

    /// <summary>Where a node goes on, by field (null target: not given). Terminal and unknown nodes go nowhere.</summary>
    internal static IEnumerable<(string Field, string? Target)> Exits(FlowNode node)
    {
        switch (node.Type)
        {
            case "message" or "set_attribute" or "template" or "wait":
                yield return ("next", node.Next);
                break;
            case "question":
                yield return ("next", node.Next);
                yield return ("fallback", node.Fallback);
                break;
            case "choice":
                foreach (var exit in Each(node.Choices, "choices", c => c.Next)) yield return exit;
                yield return ("fallback", node.Fallback);
                break;
            case "intent":
                foreach (var exit in Each(node.Intents, "intents", i => i.Next)) yield return exit;
                yield return ("fallback", node.Fallback);
                break;
            case "condition":
                foreach (var exit in Each(node.Conditions, "conditions", c => c.Next)) yield return exit;
                yield return ("else", node.Else);
                break;
        }
    }

    /// <summary>Each item's next (an empty item has none: it is reported as such).</summary>
    private static IEnumerable<(string Field, string? Target)> Each<T>(T?[]? items, string field, Func<T, string?> next) where T : class =>
        (items ?? []).Select((item, i) => (item, i)).Where(x => x.item is not null).Select(x => ($"{field}[{x.i}].next", next(x.item!)));

    private static void TextLength(string? nodeId, string field, string? text, int max, Found found)
    {
        if (text is { } t && t.Length > max)
            found.Add(nodeId, field, "flow_text_too_long", $"At most {max:N0} characters here; this has {t.Length:N0}.");
    }
}
