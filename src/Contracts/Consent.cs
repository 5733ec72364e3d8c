namespace MultichannelMessages.Contracts.Consent;

public sealed record ConsentState(bool OptedIn, bool OptedOut, bool MarketingOptedOut, string? LastAction, string? LastSource, DateTime? LastAt);

public sealed record ConsentEvent(long Id, long? AccountId, string Scope, string Action, string Source, string? Evidence, long? MessageId,
    long? UserId, string? UserName, DateTime CreatedAt);

public sealed record ConsentView(long ContactId, long? AccountId, ConsentState State, ConsentEvent[] History);

/// <summary>action: opt_in | opt_out; scope: all (default) | marketing; source: agent (default) | import | api;
/// evidence: how the customer agreed (required for an opt-in).</summary>
public sealed record ConsentRequest(string? Action, string? Scope, string? Source, string? Evidence, long? AccountId);
