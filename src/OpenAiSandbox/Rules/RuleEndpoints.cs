using Microsoft.AspNetCore.Http.HttpResults;

namespace MultichannelMessages.OpenAiSandbox.Rules;

/// <summary><c>/sandbox/rules</c>: add, list and remove the rules chat completions answer from.</summary>
public static class RuleEndpoints
{
    public static Created<RuleView> Add(RuleDefinition body, RuleStore rules)
    {
        var rule = rules.Add(body);
        return TypedResults.Created($"/sandbox/rules/{rule.Id}", rule);
    }

    public static Ok<IReadOnlyList<RuleView>> List(RuleStore rules) => TypedResults.Ok(rules.List());

    public static Results<NoContent, NotFound> Remove(string id, RuleStore rules) =>
        rules.Remove(id) ? TypedResults.NoContent() : TypedResults.NotFound();

    /// <summary>The posted rules (of one scope, when given); the file's stay.</summary>
    public static NoContent Clear(RuleStore rules, string? scope)
    {
        rules.Clear(scope);
        return TypedResults.NoContent();
    }
}
