using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Customers;
using MultichannelMessages.MetaSandbox.Limits;
using MultichannelMessages.MetaSandbox.Templates;

namespace MultichannelMessages.MetaSandbox.Messages;

/// <summary>
/// The failure Meta reports later for an accepted WhatsApp send no fault decided: 131047 for a free-form message
/// outside the window (Sandbox:Statuses:EnforceWindow); 131050 for a marketing template to a customer who stopped
/// marketing messages; for a business-initiated template (outside the window) to a recipient the portfolio has not
/// reached in 24 hours, the messaging-limit failure once the limit is used up.
/// </summary>
public sealed class WhatsAppOutcomes(MarketingPreferences preferences, PortfolioRegistry portfolios,
    IOptions<StatusOptions> statuses, IOptions<LimitOptions> limits, TimeProvider time)
{
    public int? FailureCode(SandboxAccount account, WhatsAppSend send, SandboxTemplate? template, bool windowOpen)
    {
        if (send.Type != "template")
            return statuses.Value.EnforceWindow && !windowOpen ? 131047 : null;
        // A template the sandbox never saw is priced as marketing (as the send path prices it).
        var marketing = (template?.Category ?? "MARKETING") == "MARKETING";
        if (marketing && preferences.IsStopped(account.PortfolioId, send.WaId))
            return 131050;
        if (windowOpen || portfolios.For(account.PortfolioId).TryCount(send.WaId, time.GetUtcNow()))
            return null;
        return limits.Value.EnforceMessagingLimit ? limits.Value.MessagingLimitFailureCode : null;
    }
}
