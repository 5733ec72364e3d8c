using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.MetaSandbox.Apis;
using MultichannelMessages.MetaSandbox.Webhooks;

namespace MultichannelMessages.MetaSandbox.Accounts;

/// <summary><c>/sandbox/accounts</c>: register what a test or seeder created, list, and change a number's quality.</summary>
public static class AccountEndpoints
{
    public static Results<Created<AccountView>, ValidationProblem> Register(AccountOptions body, AccountRegistry accounts,
        ILogger<AccountRegistry> logger)
    {
        if (RequestValidation.Problem(body) is { } problem)
            return problem;
        var account = accounts.Upsert(body.ToAccount());
        SandboxLog.AccountRegistered(logger, account.Id, body.Kind);
        return TypedResults.Created($"/sandbox/accounts/{account.Id}", AccountView.Of(account));
    }

    public static Ok<AccountView[]> List(AccountRegistry accounts) =>
        TypedResults.Ok(accounts.All.Select(AccountView.Of).ToArray());

    /// <summary>Changes the rating and/or tier and sends the phone_number_quality_update webhook Meta would send.</summary>
    public static Results<Ok<AccountView>, NotFound, ValidationProblem> ChangeQuality(string id, QualityChangeRequest body,
        AccountRegistry accounts, WebhookScheduler scheduler, ILogger<AccountRegistry> logger)
    {
        if (QualityChange.Problem(body) is { } problem)
            return RequestValidation.Problem("", problem);
        if (accounts.Find(id) is not { } before)
            return TypedResults.NotFound();
        if (before.Kind != AccountKind.WhatsApp)
            return RequestValidation.Problem("id", "Quality ratings belong to WhatsApp numbers only.");
        var after = accounts.Update(id, a => QualityChange.Apply(a, body))!;
        var @event = QualityChange.EventFor(before, after, body.Event);
        scheduler.Schedule(WhatsAppPayloads.QualityUpdate(after, @event, before.MessagingLimitTier), TimeSpan.Zero);
        SandboxLog.QualityChanged(logger, id, after.QualityRating, after.MessagingLimitTier, @event);
        return TypedResults.Ok(AccountView.Of(after));
    }
}
