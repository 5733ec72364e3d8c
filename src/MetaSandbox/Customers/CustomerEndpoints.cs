using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Apis;
using MultichannelMessages.MetaSandbox.Webhooks;

namespace MultichannelMessages.MetaSandbox.Customers;

/// <summary>Customers writing on demand: the inbound half of a conversation, for tests and manual runs.</summary>
public static class CustomerEndpoints
{
    public static Results<Accepted<CustomerMessageAccepted>, NotFound, ValidationProblem> WhatsApp(string phoneNumberId,
        WhatsAppCustomerMessage body, AccountRegistry accounts, CustomerMessages customers)
    {
        if (RequestValidation.Problem(body) is { } invalid)
            return invalid;
        if (accounts.Find(phoneNumberId) is not { } account)
            return TypedResults.NotFound();
        if (account.Kind != AccountKind.WhatsApp)
            return RequestValidation.Problem("phoneNumberId", $"{phoneNumberId} is a {account.Kind} account; use /sandbox/pages/{phoneNumberId}/messages.");
        var (accepted, problem) = customers.WhatsApp(account, body);
        return accepted is null ? RequestValidation.Problem("", problem!) : TypedResults.Accepted((string?)null, accepted);
    }

    public static Results<Accepted<CustomerMessageAccepted>, NotFound, ValidationProblem> Page(string pageId,
        PageCustomerMessage body, AccountRegistry accounts, CustomerMessages customers)
    {
        if (RequestValidation.Problem(body) is { } invalid)
            return invalid;
        if (accounts.Find(pageId) is not { } account)
            return TypedResults.NotFound();
        if (account.Kind == AccountKind.WhatsApp)
            return RequestValidation.Problem("pageId", $"{pageId} is a WhatsApp number; use /sandbox/customers/{pageId}/messages.");
        var (accepted, problem) = customers.Page(account, body);
        return accepted is null ? RequestValidation.Problem("", problem!) : TypedResults.Accepted((string?)null, accepted);
    }

    /// <summary>Records the customer's marketing preference and sends Meta's user_preferences webhook.</summary>
    public static Results<Accepted, NotFound, ValidationProblem> Preference(string phoneNumberId, MarketingPreferenceRequest body,
        AccountRegistry accounts, MarketingPreferences preferences, WebhookScheduler scheduler, TimeProvider time)
    {
        if (RequestValidation.Problem(body) is { } invalid)
            return invalid;
        if (accounts.Find(phoneNumberId) is not { Kind: AccountKind.WhatsApp } account)
            return TypedResults.NotFound();
        var from = body.From!;
        preferences.Set(account.PortfolioId, from, body.Value == "stop");
        scheduler.Schedule(WhatsAppPayloads.UserPreference(account, from, body.Name ?? $"Customer {from[^4..]}", body.Value!,
            time.GetUtcNow()), TimeSpan.Zero);
        return TypedResults.Accepted((string?)null);
    }
}
