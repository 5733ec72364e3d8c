using System.Text.RegularExpressions;
using MultichannelMessages.OpenAiSandbox.Chat;
using MultichannelMessages.OpenAiSandbox.Requests;
using MultichannelMessages.OpenAiSandbox.Text;

namespace MultichannelMessages.OpenAiSandbox.Rules;

/// <summary>A rule ready to match: its regex compiled, its contains-words folded. Its count changes only under the
/// <see cref="RuleStore"/> lock.</summary>
public sealed class Rule(string id, RuleDefinition definition, string source)
{
    private readonly Regex? _regex = definition.Match.LastUserRegex is { } pattern
        ? new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)) : null;
    private readonly string[] _contains = [.. (definition.Match.LastUserContains ?? []).Select(Folding.Fold)];

    public string Id { get; } = id;
    public RuleDefinition Definition { get; } = definition;
    public int? Remaining { get; set; } = definition.Count;

    public RuleView View() => new(Id, source, Definition.Scope, Definition.Count, Remaining, Definition.Match, Definition.Respond!);

    /// <summary>The regex's groups by name and number when the rule answers this request; null when it does not.</summary>
    public IReadOnlyDictionary<string, string>? Match(ChatRequest request, RequestScope scope)
    {
        var match = Definition.Match;
        if (!scope.Matches(Definition.Scope)
            || (match.Model is not null && match.Model != request.Model)
            || (match.ResponseFormat is not null && match.ResponseFormat != request.Format.Type)
            || (match.HasImage is { } image && image != request.LastUserHasImage)
            || (match.SystemContains is not null && !request.Instructions.Contains(match.SystemContains, StringComparison.OrdinalIgnoreCase))
            || !AfterTool(match.AfterTool, request.TrailingToolResults())
            || !CanAnswer(request))
            return null;

        var lastUser = request.LastUser;
        if (_contains.Length > 0 && !_contains.Any(Folding.Fold(lastUser).Contains))
            return null;
        var captures = new Dictionary<string, string>();
        if (_regex is not null)
        {
            var found = _regex.Match(lastUser);
            if (!found.Success)
                return null;
            foreach (Group group in found.Groups)
                captures[group.Name] = group.Value;
        }
        return captures;
    }

    /// <summary>A rule without after_tool answers the customer's turn only: once a tool result ends the conversation,
    /// the same last user message must not call the tool again.</summary>
    private static bool AfterTool(string? tool, IReadOnlyList<(string Function, string Result)> results) =>
        tool is null ? results.Count == 0 : results.Any(r => tool == "*" || r.Function == tool);

    /// <summary>A rule that only calls tools answers only a request that offers them all and lets the model call them.</summary>
    public bool CallsToolsFor(ChatRequest request) =>
        Definition.Respond!.ToolCalls is { Count: > 0 } calls
        && request.ToolChoice.Mode != "none"
        && calls.All(c => request.Tool(c.Name!) is not null)
        && (request.ToolChoice.Function is null || calls.Any(c => c.Name == request.ToolChoice.Function));

    private bool CanAnswer(ChatRequest request) =>
        CallsToolsFor(request) || (!request.ToolChoice.Forces && (Definition.Respond!.Content is not null || Definition.Respond.Json is not null));
}

public sealed record RuleView(string Id, string Source, string? Scope, int? Count, int? Remaining, RuleMatch Match, RuleResponse Respond);
