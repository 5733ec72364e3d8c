using Microsoft.Extensions.Localization;
using MultichannelMessages.Front.CoreApi;
using MultichannelMessages.Front.Localization;

namespace MultichannelMessages.Front.Components.Ai;

/// <summary>
/// One AI form's refusals: a validation refusal (ProblemDetails <c>field</c>, such as
/// <c>definition.tools.custom[0].url</c>) is shown beside its field, anything else above the form. The text is the AI
/// screens' own wording (<c>ai.error.{code}</c>) when there is one, else the console's (<c>error.{code}</c>).
/// </summary>
public sealed class AiErrors
{
    private readonly Dictionary<string, string> _byField = new(StringComparer.OrdinalIgnoreCase);

    public string? General { get; private set; }
    public string? Code { get; private set; }
    public string? Field { get; private set; }

    /// <summary>The refusal of this field, or of one of its items (<c>…languages</c> also shows <c>…languages[1]</c>).</summary>
    public string? this[string field] => _byField.GetValueOrDefault(field)
        ?? _byField.FirstOrDefault(e => e.Key.StartsWith(field + "[", StringComparison.OrdinalIgnoreCase)
                                        && !e.Key[(field.Length + 1)..].Contains('.')).Value
        ?? _byField.FirstOrDefault(e => e.Key.StartsWith(field + ".", StringComparison.OrdinalIgnoreCase) && field.EndsWith("parameters")).Value;

    public void Clear()
    {
        _byField.Clear();
        General = Code = Field = null;
    }

    /// <summary>A refusal in the user's language: the AI screens' wording, else the console's.</summary>
    public static string TextOf(IStringLocalizer localizer, CoreApiException refusal) =>
        localizer["ai.error." + refusal.Code] is { ResourceNotFound: false } own ? own.Value : ErrorText.For(localizer, refusal);

    public void Set(IStringLocalizer localizer, CoreApiException refusal)
    {
        Clear();
        Code = refusal.Code;
        var text = TextOf(localizer, refusal);
        if (refusal.Field is { Length: > 0 } field)
        {
            Field = field;
            _byField[field] = text;
        }
        else General = text;
    }

    /// <summary>Runs a call to the Core API, keeping its refusal for the form; true when it went through.</summary>
    public async Task<bool> RunAsync(IStringLocalizer localizer, Func<Task> call)
    {
        try
        {
            Clear();
            await call();
            return true;
        }
        catch (CoreApiException ex)
        {
            Set(localizer, ex);
            return false;
        }
    }

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
