using Microsoft.Extensions.Localization;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Localization;

/// <summary>A Core API refusal in the user's language: the resource <c>error.{code}</c>, else the API's own sentence
/// (English) after a translated lead-in, so an unknown code still tells the agent what happened.</summary>
public static class ErrorText
{
    public static string For(IStringLocalizer localizer, CoreApiException refusal)
    {
        var text = localizer["error." + refusal.Code];
        return !text.ResourceNotFound ? text.Value : $"{localizer["error.generic"].Value} {refusal.Detail}".Trim();
    }

    /// <summary>Meta's failure of a send: a known code gets a translated explanation; the title Meta gave is kept.</summary>
    public static string ForMeta(IStringLocalizer localizer, int? code, string? title)
    {
        var text = code is null ? null : localizer["meta." + code];
        var reason = text is { ResourceNotFound: false } ? text.Value : title ?? localizer["meta.unknown"].Value;
        return code is null ? reason : $"{reason} ({code})";
    }
}
