using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.MetaSandbox.Apis;
using MultichannelMessages.MetaSandbox.Webhooks;

namespace MultichannelMessages.MetaSandbox.Accounts;

/// <summary>Body of <c>POST /sandbox/accounts/{id}/restriction</c>: a restriction type, or SCHEDULE_FOR_DISABLE /
/// DISABLE; ExpiresAt is the restriction's end or the ban date (default: 24 hours, 7 days from now).</summary>
public sealed record RestrictionRequest(string? Type, DateTimeOffset? ExpiresAt);

public sealed record RestrictionView(string WabaId, IReadOnlyList<AccountRestriction> Restrictions, string? BanState, DateTimeOffset? BanDate);

/// <summary>
/// Meta's enforcement on the number's WABA, with the account_update webhook Meta sends: ACCOUNT_RESTRICTION with
/// restriction_info[], or DISABLED_UPDATE with ban_info; DELETE reinstates (DISABLED_UPDATE REINSTATE).
/// </summary>
public static class RestrictionEndpoints
{
    private static readonly string[] Restrictions =
        [AccountRestrictions.BusinessInitiated, AccountRestrictions.CustomerInitiated, AccountRestrictions.AddPhoneNumber];
    private static readonly string[] BanStates = ["SCHEDULE_FOR_DISABLE", "DISABLE"];

    public static Results<Ok<RestrictionView>, NotFound, ValidationProblem> Restrict(string id, RestrictionRequest body,
        AccountRegistry accounts, AccountRestrictions restrictions, WebhookScheduler scheduler, TimeProvider time)
    {
        var type = body.Type?.ToUpperInvariant();
        if (type is null || !Restrictions.Contains(type) && !BanStates.Contains(type))
            return RequestValidation.Problem("type", $"type must be one of {string.Join(", ", Restrictions.Concat(BanStates))}.");
        if (accounts.Find(id) is not { Kind: AccountKind.WhatsApp, WabaId: { } wabaId })
            return TypedResults.NotFound();
        var now = time.GetUtcNow();
        if (BanStates.Contains(type))
        {
            var date = body.ExpiresAt ?? now.AddDays(7);
            scheduler.Schedule(AccountPayloads.Ban(wabaId, type, date), TimeSpan.Zero);
            return TypedResults.Ok(View(wabaId, restrictions.Ban(wabaId, type, date)));
        }
        var state = restrictions.Restrict(wabaId, new AccountRestriction(type, body.ExpiresAt ?? now.AddHours(24)));
        scheduler.Schedule(AccountPayloads.Restriction(wabaId, state.Restrictions), TimeSpan.Zero);
        return TypedResults.Ok(View(wabaId, state));
    }

    public static Results<Ok<RestrictionView>, NotFound> Get(string id, AccountRegistry accounts, AccountRestrictions restrictions) =>
        accounts.Find(id) is { Kind: AccountKind.WhatsApp, WabaId: { } wabaId }
            ? TypedResults.Ok(View(wabaId, restrictions.Of(wabaId)))
            : TypedResults.NotFound();

    public static Results<Ok<RestrictionView>, NotFound> Reinstate(string id, AccountRegistry accounts,
        AccountRestrictions restrictions, WebhookScheduler scheduler, TimeProvider time)
    {
        if (accounts.Find(id) is not { Kind: AccountKind.WhatsApp, WabaId: { } wabaId })
            return TypedResults.NotFound();
        restrictions.Reinstate(wabaId);
        scheduler.Schedule(AccountPayloads.Ban(wabaId, "REINSTATE", time.GetUtcNow()), TimeSpan.Zero);
        return TypedResults.Ok(View(wabaId, RestrictionState.None));
    }

    private static RestrictionView View(string wabaId, RestrictionState s) => new(wabaId, s.Restrictions, s.BanState, s.BanDate);
}
