using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Apis;
using MultichannelMessages.MetaSandbox.Webhooks;

namespace MultichannelMessages.MetaSandbox.Limits;

public sealed record ThroughputRequest(int? Mps);

/// <summary><c>/sandbox/accounts/{id}/throughput</c>: a number's messages per second, and Meta's upgrade to 1,000.</summary>
public static class ThroughputEndpoints
{
    public static Results<Ok<AccountView>, NotFound, ValidationProblem> Set(string id, ThroughputRequest body, AccountRegistry accounts)
    {
        if (body.Mps is not (>= 1 and <= 100_000))
            return RequestValidation.Problem("mps", "mps must be 1 to 100000.");
        return accounts.Find(id) is { Kind: AccountKind.WhatsApp } && accounts.Update(id, a => a with { Mps = body.Mps }) is { } changed
            ? TypedResults.Ok(AccountView.Of(changed))
            : TypedResults.NotFound();
    }

    /// <summary>
    /// Meta upgrades a number whose portfolio is unlimited; the upgrade here makes it so, sets the number's level to
    /// HIGH (Sandbox:Limits:UpgradedMps) and sends phone_number_quality_update THROUGHPUT_UPGRADE.
    /// </summary>
    public static Results<Ok<AccountView>, NotFound> Upgrade(string id, AccountRegistry accounts, PortfolioRegistry portfolios,
        WebhookScheduler scheduler, IOptions<LimitOptions> options)
    {
        if (accounts.Find(id) is not { Kind: AccountKind.WhatsApp })
            return TypedResults.NotFound();
        var upgraded = accounts.Update(id, a => a with { Mps = options.Value.UpgradedMps, ThroughputLevel = "HIGH" })!;
        var portfolio = portfolios.For(upgraded.PortfolioId);
        portfolio.SetTier(PortfolioTiers.Unlimited, null);
        scheduler.Schedule(AccountPayloads.ThroughputUpgrade(upgraded, portfolio.Tier), TimeSpan.Zero);
        return TypedResults.Ok(AccountView.Of(upgraded));
    }
}
