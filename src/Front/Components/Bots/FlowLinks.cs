using MultichannelMessages.Contracts.Bots;

namespace MultichannelMessages.Front.Components.Bots;

/// <summary>One way out of a node: its key (next, fallback, else, choice:0, intent:1, condition:2), its kind for the
/// canvas, a label (a choice's title, an intent's name) and the node it leads to, if set.</summary>
public sealed record FlowLink(string Key, string Kind, string? Label, string? Target);

/// <summary>A node's ways out, read and set by key: the canvas draws them, its ports and the side panel's selects set them.</summary>
public static class FlowLinks
{
    public static IEnumerable<FlowLink> Of(FlowNode node)
    {
        var choices = node.Choices ?? [];
        for (var i = 0; i < choices.Length; i++) yield return new FlowLink($"choice:{i}", "choice", choices[i].Title, Empty(choices[i].Next));
        var intents = node.Intents ?? [];
        for (var i = 0; i < intents.Length; i++) yield return new FlowLink($"intent:{i}", "intent", intents[i].Name, Empty(intents[i].Next));
        var conditions = node.Conditions ?? [];
        for (var i = 0; i < conditions.Length; i++) yield return new FlowLink($"condition:{i}", "condition", $"{i + 1}", Empty(conditions[i].Next));
        if (node.Type is "message" or "question" or "set_attribute" or "template" or "wait") yield return new FlowLink("next", "next", null, Empty(node.Next));
        if (node.Type is "condition") yield return new FlowLink("else", "else", null, Empty(node.Else));
        if (node.Type is "choice" or "question" or "intent") yield return new FlowLink("fallback", "fallback", null, Empty(node.Fallback));
    }

    public static FlowNode Set(FlowNode node, string key, string? target)
    {
        target = Empty(target);
        var (kind, index) = key.Split(':') is [var k, var n] && int.TryParse(n, out var i) ? (k, i) : (key, -1);
        return kind switch
        {
            "next" => node with { Next = target },
            "else" => node with { Else = target },
            "fallback" => node with { Fallback = target },
            "choice" when index >= 0 && index < (node.Choices?.Length ?? 0) =>
                node with { Choices = [.. node.Choices!.Select((c, j) => j == index ? c with { Next = target ?? "" } : c)] },
            "intent" when index >= 0 && index < (node.Intents?.Length ?? 0) =>
                node with { Intents = [.. node.Intents!.Select((c, j) => j == index ? c with { Next = target ?? "" } : c)] },
            "condition" when index >= 0 && index < (node.Conditions?.Length ?? 0) =>
                node with { Conditions = [.. node.Conditions!.Select((c, j) => j == index ? c with { Next = target ?? "" } : c)] },
            _ => node,
        };
    }

    /// <summary>The node with every way out that led to <paramref name="from"/> leading to <paramref name="to"/>.</summary>
    public static FlowNode Retarget(FlowNode node, string from, string to) =>
        Of(node).Where(l => l.Target == from).Aggregate(node, (n, l) => Set(n, l.Key, to));

    private static string? Empty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
