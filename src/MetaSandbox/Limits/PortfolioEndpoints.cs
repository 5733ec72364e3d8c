using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Apis;
using MultichannelMessages.MetaSandbox.Webhooks;

namespace MultichannelMessages.MetaSandbox.Limits;

/// <summary>Body of <c>PUT /sandbox/portfolios/{businessId}/limit</c>. Limit (sandbox only) counts against a smaller
/// number than the tier's, so a test can breach it in a few sends; null: the tier's own.</summary>
public sealed record PortfolioLimitRequest(string? Tier, int? Limit);

/// <summary>Limit: null when unlimited. Used: unique recipients counted in the last 24 hours.</summary>
public sealed record PortfolioView(string BusinessId, string Tier, int? Limit, int Used, IReadOnlyList<string> WabaIds,
    IReadOnlyList<string> PhoneNumberIds);

/// <summary><c>/sandbox/portfolios/{businessId}</c>: the messaging limit shared by a portfolio's numbers.</summary>
public static class PortfolioEndpoints
{
    public static Results<Ok<PortfolioView>, NotFound> Get(string businessId, AccountRegistry accounts, PortfolioRegistry portfolios,
        TimeProvider time) =>
        Numbers(accounts, businessId) is { Count: > 0 } numbers
            ? TypedResults.Ok(View(portfolios.For(businessId), numbers, time))
            : TypedResults.NotFound();

    /// <summary>Sets the tier (and the numbers' own tier fields with it) and sends business_capability_update to each
    /// of the portfolio's WABAs.</summary>
    public static Results<Ok<PortfolioView>, NotFound, ValidationProblem> SetLimit(string businessId, PortfolioLimitRequest body,
        AccountRegistry accounts, PortfolioRegistry portfolios, WebhookScheduler scheduler, TimeProvider time)
    {
        var tier = body.Tier?.ToUpperInvariant();
        if (tier is null || !PortfolioTiers.Limits.ContainsKey(tier))
            return RequestValidation.Problem("tier", $"tier must be one of {string.Join(", ", PortfolioTiers.Limits.Keys)}.");
        if (body.Limit is < 0)
            return RequestValidation.Problem("limit", "limit must not be negative.");
        if (Numbers(accounts, businessId) is not { Count: > 0 } numbers)
            return TypedResults.NotFound();
        var portfolio = portfolios.For(businessId);
        portfolio.SetTier(tier, body.Limit);
        foreach (var number in numbers)
            accounts.Update(number.Id, a => a with { MessagingLimitTier = tier });
        foreach (var wabaId in numbers.Select(n => n.WabaId!).Distinct())
            scheduler.Schedule(AccountPayloads.BusinessCapability(wabaId, tier), TimeSpan.Zero);
        return TypedResults.Ok(View(portfolio, numbers, time));
    }

    public static List<SandboxAccount> Numbers(AccountRegistry accounts, string businessId) =>
        [.. accounts.All.Where(a => a.Kind == AccountKind.WhatsApp && a.PortfolioId == businessId)];

    private static PortfolioView View(Portfolio p, List<SandboxAccount> numbers, TimeProvider time) =>
        new(p.BusinessId, p.Tier, p.Limit, p.Used(time.GetUtcNow()), [.. numbers.Select(n => n.WabaId!).Distinct()],
            [.. numbers.Select(n => n.Id)]);
}
