using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.MetaSandbox.Apis;

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
        AccountRegistry accounts, QualityPublisher publisher)
    {
        if (QualityChange.Problem(body) is { } problem)
            return RequestValidation.Problem("", problem);
        if (accounts.Find(id) is not { } account)
            return TypedResults.NotFound();
        if (account.Kind != AccountKind.WhatsApp)
            return RequestValidation.Problem("id", "Quality ratings belong to WhatsApp numbers only.");
        return TypedResults.Ok(AccountView.Of(publisher.Change(id, body)!));
    }

    /// <summary>Turns on (or re-sets) the rating's tracking of failed sends; DELETE turns it off.</summary>
    public static Results<Ok<AccountView>, NotFound, ValidationProblem> TrackQuality(string id, QualityTracking body,
        AccountRegistry accounts, QualityTracker tracker)
    {
        if (body.Problem() is { } problem)
            return RequestValidation.Problem("", problem);
        if (accounts.Find(id) is not { Kind: AccountKind.WhatsApp })
            return TypedResults.NotFound();
        tracker.Reset(id);
        return TypedResults.Ok(AccountView.Of(accounts.Update(id, a => a with { QualityTracking = body })!));
    }

    public static Results<Ok<AccountView>, NotFound> StopTrackingQuality(string id, AccountRegistry accounts, QualityTracker tracker)
    {
        tracker.Reset(id);
        return accounts.Update(id, a => a with { QualityTracking = null }) is { } changed
            ? TypedResults.Ok(AccountView.Of(changed))
            : TypedResults.NotFound();
    }
}
