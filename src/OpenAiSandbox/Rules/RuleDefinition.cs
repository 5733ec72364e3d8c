using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MultichannelMessages.OpenAiSandbox.Rules;

/// <summary>
/// A rule: when every condition of <see cref="Match"/> holds for a chat request (and the request lets the rule answer:
/// a tool call only when the request offers that tool), the sandbox answers with <see cref="Respond"/>. The rules file
/// and <c>POST /sandbox/rules</c> take this shape (snake_case).
/// </summary>
public sealed record RuleDefinition : IValidatableObject
{
    /// <summary>A name, for the log and for <c>DELETE /sandbox/rules/{id}</c>; posted rules get one when absent.</summary>
    public string? Id { get; init; }

    /// <summary>Only requests whose system prompt contains this, or whose API key equals it.</summary>
    public string? Scope { get; init; }

    /// <summary>How many requests the rule answers before it is spent (a script step); null: until deleted.</summary>
    [Range(1, int.MaxValue)]
    public int? Count { get; init; }

    public RuleMatch Match { get; init; } = new();

    [Required]
    public RuleResponse? Respond { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Match.LastUserRegex is { } pattern && !IsRegex(pattern))
            yield return new ValidationResult($"match.last_user_regex is not a valid regular expression: {pattern}", ["match.last_user_regex"]);
        if (Match.ResponseFormat is { } format && format is not ("text" or "json_object" or "json_schema"))
            yield return new ValidationResult("match.response_format must be text, json_object or json_schema.", ["match.response_format"]);
        if (Respond is { Content: null, ToolCalls: null or [], Json: null })
            yield return new ValidationResult("respond needs content, tool_calls or json.", ["respond"]);
        foreach (var call in Respond?.ToolCalls ?? [])
            if (!Regex.IsMatch(call.Name ?? "", "^[a-zA-Z0-9_-]{1,64}$"))
                yield return new ValidationResult($"respond.tool_calls: '{call.Name}' is not a function name OpenAI allows.", ["respond.tool_calls"]);
    }

    private static bool IsRegex(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>Every condition given must hold; none given matches every request.</summary>
public sealed record RuleMatch
{
    /// <summary>The last user message contains any of these (case- and accent-insensitive).</summary>
    public List<string>? LastUserContains { get; init; }

    /// <summary>The last user message matches (named or numbered groups feed <c>{{match.x}}</c>).</summary>
    public string? LastUserRegex { get; init; }

    /// <summary>The system/developer messages contain this.</summary>
    public string? SystemContains { get; init; }

    public string? Model { get; init; }

    /// <summary>The last user message has (true) or has not (false) an image part.</summary>
    public bool? HasImage { get; init; }

    /// <summary>The conversation ends with the result of this function ("*": any function). Without it, the rule
    /// answers only when the conversation does not end with a tool result.</summary>
    public string? AfterTool { get; init; }

    /// <summary>The request's response_format type: text, json_object or json_schema.</summary>
    public string? ResponseFormat { get; init; }
}

/// <summary>What the rule answers. Tool calls win when the request offers the tools; else json for a JSON response
/// format, else content. Strings may hold {{last_user}}, {{model}}, {{match.N}}, {{tool_result}}, {{tool_result.path}}.</summary>
public sealed record RuleResponse
{
    public string? Content { get; init; }
    public List<RuleToolCall>? ToolCalls { get; init; }
    public JsonElement? Json { get; init; }
}

public sealed record RuleToolCall
{
    public string? Name { get; init; }

    /// <summary>An object (templated, then fitted to the tool's schema) or a string sent as is.</summary>
    public JsonElement? Arguments { get; init; }
}
