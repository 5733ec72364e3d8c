using System.Text.Json.Nodes;

namespace MultichannelMessages.MetaSandbox.Graph;

/// <summary>Meta's <c>?fields=a,b,c</c> on a node: the fields asked for plus the id, Meta's defaults when none are
/// asked for, and code 100 naming the node type for a field the node does not have.</summary>
public static class NodeFields
{
    public static (JsonObject? Node, GraphError? Error) Select(string id, IReadOnlyDictionary<string, JsonNode?> all,
        IReadOnlyList<string> defaults, string nodeType, string? fields)
    {
        var requested = string.IsNullOrWhiteSpace(fields)
            ? defaults
            : fields.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(f => f.Split('{')[0]).ToArray();
        var node = new JsonObject();
        foreach (var field in requested)
        {
            if (!all.TryGetValue(field, out var value))
                return (null, GraphErrors.NonexistingField(field, nodeType));
            node[field] = value?.DeepClone();
        }
        node["id"] = id;
        return (node, null);
    }
}
