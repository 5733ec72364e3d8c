using Microsoft.Extensions.Localization;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Components.Ai;

/// <summary>One AI form's refusals (<see cref="FormErrors"/>), worded by the AI screens' <c>ai.error.{code}</c> where
/// they have their own.</summary>
public sealed class AiErrors() : FormErrors(Prefix)
{
    private const string Prefix = "ai.error.";

    /// <summary>A refusal in the user's language: the AI screens' wording, else the console's.</summary>
    public static string TextOf(IStringLocalizer localizer, CoreApiException refusal) => TextOf(localizer, refusal, Prefix);

    /// <summary>The editor's tab that holds a definition's field, so a refusal is seen where it is.</summary>
    public static string? TabOf(string? field) => field switch
    {
        null => null,
        "name" => "persona",
        _ when field.StartsWith("definition.persona", StringComparison.Ordinal) => "persona",
        _ when field.StartsWith("definition.measures", StringComparison.Ordinal) => "measures",
        _ when field.StartsWith("definition.tools", StringComparison.Ordinal) => "tools",
        _ when field.StartsWith("definition.handoff", StringComparison.Ordinal) => "handoff",
        _ when field.StartsWith("definition.", StringComparison.Ordinal) => "persona",
        "secret" => "tools",
        "file" => "manual",
        _ => null,
    };
}
