using Microsoft.Extensions.Localization;
using MultichannelMessages.Front.CoreApi;
using MultichannelMessages.Front.Localization;

namespace MultichannelMessages.Front.Components.Admin;

/// <summary>
/// One form's refusals on the Admin page: a validation refusal (ProblemDetails <c>field</c>) is shown beside its
/// field, anything else under the form. Texts are the Admin screen's own when it words a code differently
/// (<c>admin.error.{code}</c>: "choose the queue the rule routes to", not "… to transfer to"), else the console's.
/// </summary>
public sealed class AdminErrors
{
    private readonly Dictionary<string, string> _byField = new(StringComparer.OrdinalIgnoreCase);

    public string? General { get; private set; }

    public string? this[string field] => _byField.GetValueOrDefault(field);

    public bool Any => General is not null || _byField.Count > 0;

    public void Clear()
    {
        _byField.Clear();
        General = null;
    }

    public void Set(IStringLocalizer localizer, CoreApiException refusal)
    {
        Clear();
        var own = localizer["admin.error." + refusal.Code];
        var text = own.ResourceNotFound ? ErrorText.For(localizer, refusal) : own.Value;
        if (refusal.Field is { Length: > 0 } field) _byField[field] = text;
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
