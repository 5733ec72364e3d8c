using Microsoft.Extensions.Localization;
using MultichannelMessages.Front.CoreApi;
using MultichannelMessages.Front.Localization;

namespace MultichannelMessages.Front.Components.Calls;

/// <summary>A call refusal in the person's language: <c>calls.error.{code}</c> (CallErrors), else the console's
/// general refusal text (ErrorText).</summary>
public static class CallText
{
    public static string Refusal(IStringLocalizer localizer, CoreApiException refusal)
    {
        var text = localizer["calls.error." + refusal.Code];
        return text.ResourceNotFound ? ErrorText.For(localizer, refusal) : text.Value;
    }
}
