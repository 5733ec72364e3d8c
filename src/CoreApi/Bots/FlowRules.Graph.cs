using MultichannelMessages.Contracts.Bots;

namespace MultichannelMessages.CoreApi.Bots;

/// <summary>
/// The flow as a graph (edges: next, fallback, else and each choice's, intent's and condition's next): every node is
/// reached from the start, every reached node can still reach an end (end, handoff, ai_agent), and no cycle runs without
/// a node that waits for the customer or a timer (choice, question, intent, wait), which would spin until a guard stops
/// it.
/// </summary>
public static partial class FlowRules
{
    private static void Graph(string start, Dictionary<string, FlowNode> byId, Found found)
    {
        var edges = byId.ToDictionary(n => n.Key, n => Exits(n.Value).Select(e => e.Target!).Where(t => t is not null && byId.ContainsKey(t)).Distinct().ToArray());
        var reachable = Walk([start], n => edges[n]);
        foreach (var id in byId.Keys.Where(id => !reachable.Contains(id)))
            found.Add(id, "id", "flow_unreachable", "No path from the start reaches this node.");

        // A node that cannot go on for a problem reported already (no next, a next to nowhere, an unknown type) counts as
        // an end here, so one missing link is reported once rather than on every node before it.
        var predecessors = byId.Keys.ToDictionary(id => id, id => byId.Keys.Where(from => edges[from].Contains(id)).ToArray());
        var ends = byId.Values.Where(n => Terminals.Contains(n.Type) || !NodeTypes.Contains(n.Type)
            || Exits(n).Any(e => e.Target is null || !byId.ContainsKey(e.Target))).Select(n => n.Id);
        var ending = Walk(ends, n => predecessors[n]);
        foreach (var id in byId.Keys.Where(id => reachable.Contains(id) && !ending.Contains(id)))
            found.Add(id, "next", "flow_path_never_ends", "From here no end, handoff or AI agent can be reached.");

        foreach (var cycle in Cycles(byId.Keys.Where(id => !Waiting.Contains(byId[id].Type)).ToHashSet(), edges))
            found.Add(cycle[0], "next", "flow_loop_without_input",
                $"These nodes go round in a circle without waiting for the customer: {string.Join(", ", cycle)}.");
    }

    private static HashSet<string> Walk(IEnumerable<string> from, Func<string, string[]> next)
    {
        var seen = new HashSet<string>(from, StringComparer.Ordinal);
        var queue = new Queue<string>(seen);
        while (queue.TryDequeue(out var id))
            foreach (var to in next(id))
                if (seen.Add(to)) queue.Enqueue(to);
        return seen;
    }

    /// <summary>The cycles among <paramref name="nodes"/> (Tarjan's strongly connected components with more than one node
    /// or a node going to itself), each in document order of its nodes.</summary>
    private static List<string[]> Cycles(HashSet<string> nodes, Dictionary<string, string[]> edges)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var cycles = new List<string[]>();
        var order = edges.Keys.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);

        void Connect(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in edges[v].Where(nodes.Contains))
            {
                if (!index.ContainsKey(w))
                {
                    Connect(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string popped;
            do
            {
                popped = stack.Pop();
                onStack.Remove(popped);
                component.Add(popped);
            } while (popped != v);
            if (component.Count > 1 || edges[v].Contains(v)) cycles.Add([.. component.OrderBy(id => order[id])]);
        }

        foreach (var v in edges.Keys.Where(nodes.Contains))
            if (!index.ContainsKey(v)) Connect(v);
        return [.. cycles.OrderBy(c => order[c[0]])];
    }
}
