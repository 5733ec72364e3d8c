using Microsoft.Extensions.Localization;
using MultichannelMessages.Front.CoreApi;
using MultichannelMessages.Front.Localization;

namespace MultichannelMessages.Front.Components.Bots;

/// <summary>A refusal of the Chatbots screens in the user's language: their own wording (<c>bots.error.{code}</c>), a
/// flow problem's (<c>bots.problem.{code}</c>: a save over 200 nodes is refused as one), else the console's.</summary>
public static class BotErrors
{
    public static string TextOf(IStringLocalizer localizer, CoreApiException refusal) =>
        localizer["bots.error." + refusal.Code] is { ResourceNotFound: false } own ? own.Value
        : localizer["bots.problem." + refusal.Code] is { ResourceNotFound: false } problem ? problem.Value
        : ErrorText.For(localizer, refusal);
}
