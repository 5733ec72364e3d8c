using System.Collections.Concurrent;
using MultichannelMessages.MetaSandbox.Graph;

namespace MultichannelMessages.MetaSandbox.Accounts;

public sealed record AccountRestriction(string Type, DateTimeOffset ExpiresAt);

/// <summary>A WABA's enforcement state: restrictions until they expire, and a ban state (SCHEDULE_FOR_DISABLE,
/// DISABLE) until reinstated.</summary>
public sealed record RestrictionState(IReadOnlyList<AccountRestriction> Restrictions, string? BanState, DateTimeOffset? BanDate)
{
    public static readonly RestrictionState None = new([], null, null);
}

/// <summary>
/// Meta's policy enforcement on a WhatsApp Business Account, set through <c>/sandbox/accounts/{id}/restriction</c>.
/// While RESTRICTED_BIZ_INITIATED_MESSAGING holds, business-initiated sends are refused with 368; while
/// RESTRICTED_CUSTOMER_INITIATED_MESSAGING holds, replies are; a DISABLEd account refuses every send with 131031.
/// </summary>
public sealed class AccountRestrictions(TimeProvider time)
{
    public const string BusinessInitiated = "RESTRICTED_BIZ_INITIATED_MESSAGING";
    public const string CustomerInitiated = "RESTRICTED_CUSTOMER_INITIATED_MESSAGING";
    public const string AddPhoneNumber = "RESTRICTED_ADD_PHONE_NUMBER_ACTION";

    private readonly ConcurrentDictionary<string, RestrictionState> _wabas = new(StringComparer.Ordinal);

    public RestrictionState Of(string wabaId) =>
        _wabas.TryGetValue(wabaId, out var state) ? InForce(state) : RestrictionState.None;

    /// <summary>Adds or renews one restriction; the answer lists every one in force, as the webhook does.</summary>
    public RestrictionState Restrict(string wabaId, AccountRestriction restriction) =>
        _wabas.AddOrUpdate(wabaId, _ => RestrictionState.None with { Restrictions = [restriction] },
            (_, s) => InForce(s) with { Restrictions = [.. InForce(s).Restrictions.Where(r => r.Type != restriction.Type), restriction] });

    private RestrictionState InForce(RestrictionState state)
    {
        var now = time.GetUtcNow();
        return state with { Restrictions = [.. state.Restrictions.Where(r => r.ExpiresAt > now)] };
    }

    public RestrictionState Ban(string wabaId, string state, DateTimeOffset date) =>
        _wabas.AddOrUpdate(wabaId, _ => RestrictionState.None with { BanState = state, BanDate = date },
            (_, s) => s with { BanState = state, BanDate = date });

    public bool Reinstate(string wabaId) => _wabas.TryRemove(wabaId, out _);

    public GraphError? Refusal(string wabaId, bool businessInitiated)
    {
        var state = Of(wabaId);
        if (state.BanState == "DISABLE")
            return GraphErrors.AccountLocked();
        var blocked = businessInitiated ? BusinessInitiated : CustomerInitiated;
        return state.Restrictions.Any(r => r.Type == blocked) ? GraphErrors.PolicyRestricted() : null;
    }
}
