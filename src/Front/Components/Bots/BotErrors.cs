using Microsoft.Extensions.Localization;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Components.Bots;

/// <summary>A refusal of the Chatbots screens in the user's language: their own wording (<c>bots.error.{code}</c>), a
/// flow problem's (<c>bots.problem.{code}</c>: a save over 200 nodes is refused as one), else the console's.</summary>
public static class BotErrors
{
    public static string TextOf(IStringLocalizer localizer, CoreApiException refusal) =>
        FormErrors.TextOf(localizer, refusal, "bots.error.", "bots.problem.");
}
