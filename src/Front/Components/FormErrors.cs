using Microsoft.Extensions.Localization;
using MultichannelMessages.Front.CoreApi;
using MultichannelMessages.Front.Localization;

namespace MultichannelMessages.Front.Components;

/// <summary>
/// One form's refusals from the Core API: a validation refusal (ProblemDetails <c>field</c>, such as
/// <c>definition.tools.custom[0].url</c>) is shown beside its field, anything else above or under the form. The text is
/// the screen's own wording when it has one (the first of its prefixes with the code, e.g. <c>admin.error.{code}</c>:
/// "choose the queue the rule routes to", not "… to transfer to"), else the console's (<c>error.{code}</c>). Each
/// module's errors (AdminErrors, AiErrors) are this with its prefixes.
/// </summary>
public class FormErrors(params string[] prefixes)
{
    private readonly Dictionary<string, string> _byField = new(StringComparer.OrdinalIgnoreCase);

    public string? General { get; private set; }
    public string? Code { get; private set; }
    public string? Field { get; private set; }
    public bool Any => General is not null || _byField.Count > 0;

    /// <summary>The refusal of this field, or of one of its items (<c>…languages</c> also shows <c>…languages[1]</c>),
    /// or, for a JSON-schema field (<c>…parameters</c>), of something inside it.</summary>
    public string? this[string field] => _byField.GetValueOrDefault(field)
        ?? _byField.FirstOrDefault(e => e.Key.StartsWith(field + "[", StringComparison.OrdinalIgnoreCase)
                                        && !e.Key[(field.Length + 1)..].Contains('.')).Value
        ?? _byField.FirstOrDefault(e => e.Key.StartsWith(field + ".", StringComparison.OrdinalIgnoreCase) && field.EndsWith("parameters")).Value;

    public void Clear()
    {
        _byField.Clear();
        General = Code = Field = null;
    }

    /// <summary>A refusal in the user's language: the first of the screen's own wordings found, else the console's.</summary>
    public static string TextOf(IStringLocalizer localizer, CoreApiException refusal, params string[] prefixes)
    {
        foreach (var prefix in prefixes)
            if (localizer[prefix + refusal.Code] is { ResourceNotFound: false } own) return own.Value;
        return ErrorText.For(localizer, refusal);
    }

    public void Set(IStringLocalizer localizer, CoreApiException refusal)
    {
        Clear();
        Code = refusal.Code;
        var text = TextOf(localizer, refusal, prefixes);
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
}
