using System.Text.RegularExpressions;
using MultichannelMessages.Contracts.Bots;

namespace MultichannelMessages.CoreApi.Bots;

/// <summary>What the project holds that a legacy node names by name (case ignored): queues (transfer) and published AI
/// agents (ai).</summary>
public sealed record FlowImportContext(IReadOnlyDictionary<string, long> QueuesByName, IReadOnlyDictionary<string, long> AgentsByName);

/// <summary>A legacy flow as a flow document, with what could not be mapped and where each legacy node went.</summary>
public sealed record FlowImportResult(FlowDefinition Definition, FlowImportProblem[] Problems, FlowImportNodeMap[] NodeIds);

/// <summary>
/// Legacy node flows (docs/chatbots-legacy-import.md) as flow documents: pure, so every mapping is a unit test. A legacy
/// node id that is a valid node id is kept; any other is sanitized the same way every time (lower case, other characters
/// '_', 40 at most, a suffix when taken). What has no equivalent (a webhook, a payment, an unknown kind) becomes a
/// handoff telling the customer a person will answer, and a goto naming no node goes to a handoff too: an imported flow
/// never leaves a customer stuck, and each such place is reported for someone to rebuild.
/// </summary>
public static partial class FlowImport
{
    /// <summary>Where a dangling goto, a branch without one or an exhausted retry goes: a person.</summary>
    public const string HandoffId = "import_handoff";
    /// <summary>Where a node without a goto goes: the legacy system ended the conversation there.</summary>
    public const string EndId = "import_end";

    [GeneratedRegex("^[a-z0-9_]{1,40}$")] private static partial Regex ValidId();
    [GeneratedRegex("[^a-z0-9_]")] private static partial Regex Invalid();

    public static FlowImportResult Map(LegacyFlow flow, FlowImportContext context)
    {
        var map = new Mapping(flow, context);
        var channels = map.Channels;
        var legacyNodes = (flow.Nodes ?? []).OfType<LegacyNode>().ToArray();
        var ids = legacyNodes.Select(n => map.Allocate(n)).ToArray();
        map.ReserveGenerated();
        map.CollectVariables(legacyNodes);
        var start = map.Start(ids);
        var nodes = new List<FlowNode>();
        for (var i = 0; i < legacyNodes.Length; i++) nodes.Add(map.Node(legacyNodes[i], ids[i]));
        if (map.UsesHandoff) nodes.Add(new FlowNode(map.Handoff, "handoff", Text: map.HandoffText));
        if (map.UsesEnd) nodes.Add(new FlowNode(map.End, "end"));
        var definition = new FlowDefinition(start, [.. nodes], channels,
            flow.TimeoutMinutes ?? 240, string.IsNullOrWhiteSpace(flow.TimeoutMessage) ? null : flow.TimeoutMessage.Trim());
        return new(Layout(definition), [.. map.Problems],
            [.. legacyNodes.Select((n, i) => new FlowImportNodeMap(n.Id ?? "", ids[i]))]);
    }

    /// <summary>The publishing checks' problems of a mapped flow, on the legacy node each new node came from (a node the
    /// import added: none). Their codes are FlowRules' own (flow_*), translated by the console like any other.</summary>
    public static FlowImportProblem[] Check(string legacyFlowId, FlowImportResult result, FlowRulesContext context)
    {
        var legacy = result.NodeIds.GroupBy(m => m.NodeId).ToDictionary(g => g.Key, g => g.First().LegacyNodeId);
        return [.. FlowRules.Check(result.Definition, context).Select(p => new FlowImportProblem(legacyFlowId,
            p.NodeId is { } id ? legacy.GetValueOrDefault(id) : null, p.Code, p.Field is null ? p.Detail : $"{p.Field}: {p.Detail}"))];
    }

    /// <summary>A flow name for the console: the legacy name trimmed to 80 characters, else one made of the legacy id.</summary>
    public static string Name(LegacyFlow flow)
    {
        var name = string.IsNullOrWhiteSpace(flow.Name) ? $"Imported {flow.Id}".Trim() : flow.Name.Trim();
        return name.Length <= 80 ? name : name[..80].TrimEnd();
    }

    /// <summary>A valid node or choice id made of any legacy one, the same every time.</summary>
    public static string Sanitize(string? legacy, string empty = "node")
    {
        if (legacy is not null && ValidId().IsMatch(legacy)) return legacy;
        var id = Invalid().Replace((legacy ?? "").Trim().ToLowerInvariant(), "_");
        id = id.Length == 0 ? empty : id;
        return id.Length <= 40 ? id : id[..40];
    }

    /// <summary>The id, or it with the first free suffix (_2, _3…) within 40 characters.</summary>
    public static string Unique(string id, ISet<string> taken)
    {
        var candidate = id;
        for (var n = 2; !taken.Add(candidate); n++)
        {
            var suffix = $"_{n}";
            candidate = (id.Length + suffix.Length <= 40 ? id : id[..(40 - suffix.Length)]) + suffix;
        }
        return candidate;
    }

    /// <summary>Canvas positions by breadth-first depth from the start (a row per depth, left to right in the order the
    /// nodes are reached); nodes the start does not reach go in rows below.</summary>
    public static FlowDefinition Layout(FlowDefinition definition)
    {
        const double left = 40, top = 40, column = 280, row = 200;
        var byId = definition.Nodes.GroupBy(n => n.Id).ToDictionary(g => g.Key, g => g.First());
        var depth = new Dictionary<string, int>();
        var order = new List<string>();
        if (byId.ContainsKey(definition.Start))
        {
            var queue = new Queue<string>([definition.Start]);
            depth[definition.Start] = 0;
            while (queue.TryDequeue(out var id))
            {
                order.Add(id);
                foreach (var (_, target) in FlowRules.Exits(byId[id]))
                    if (target is not null && byId.ContainsKey(target) && depth.TryAdd(target, depth[id] + 1)) queue.Enqueue(target);
            }
        }
        var below = depth.Count == 0 ? 0 : depth.Values.Max() + 1;
        var rest = byId.Keys.Where(id => !depth.ContainsKey(id)).ToArray();
        for (var i = 0; i < rest.Length; i++) depth[rest[i]] = below + i / 6;
        order.AddRange(rest);
        var columns = new Dictionary<int, int>();
        var positions = new Dictionary<string, (double X, double Y)>();
        foreach (var id in order)
        {
            var d = depth[id];
            var c = columns[d] = columns.GetValueOrDefault(d) + 1;
            positions[id] = (left + (c - 1) * column, top + d * row);
        }
        return definition with
        {
            Nodes = [.. definition.Nodes.Select(n => positions.TryGetValue(n.Id, out var p) ? n with { X = p.X, Y = p.Y } : n)],
        };
    }
}
