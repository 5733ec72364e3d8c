using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.MetaSandbox.Accounts;

/// <summary>The accounts of <c>Sandbox:Accounts</c> plus those registered at runtime by tests and seeders.</summary>
public sealed class AccountRegistry
{
    private readonly ConcurrentDictionary<string, SandboxAccount> _accounts = new(StringComparer.Ordinal);
    private readonly Lock _tokensLock = new();
    private FrozenSet<string> _tokens = FrozenSet<string>.Empty;

    public AccountRegistry(IOptions<SandboxOptions> options)
    {
        foreach (var account in options.Value.Accounts)
            Upsert(account.ToAccount());
    }

    public IReadOnlyCollection<SandboxAccount> All => [.. _accounts.Values.OrderBy(a => a.Id, StringComparer.Ordinal)];

    public SandboxAccount? Find(string id) => _accounts.GetValueOrDefault(id);

    /// <summary>Whether any account carries this token: Meta answers 190 to a token it cannot parse at all.</summary>
    public bool IsKnownToken(string token) => _tokens.Contains(token);

    public IEnumerable<SandboxAccount> ForWaba(string wabaId) => All.Where(a => a.WabaId == wabaId);

    /// <summary>The app a webhook entry (a WABA or page id) belongs to: (secret, callback URL), or nulls for the
    /// sandbox's own app.</summary>
    public (string? Secret, string? Url) AppFor(string entryId) =>
        _accounts.Values.FirstOrDefault(a => (a.Id == entryId || a.WabaId == entryId) && a.AppSecret is not null) is { } account
            ? (account.AppSecret, account.WebhookUrl)
            : (null, null);

    /// <summary>Meta's refusal of a token it knows but no longer honours (expired, or invalidated); null when fine.</summary>
    public Graph.GraphError? TokenRefusal(string token) =>
        _accounts.Values.FirstOrDefault(a => a.AccessToken == token && a.TokenState != TokenState.Valid) is { } account
            ? Graph.GraphErrors.TokenNoLongerValid(account.TokenState)
            : null;

    /// <summary>The objects (WABA or page ids) whose webhooks an app is subscribed to (POST /{id}/subscribed_apps).</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _subscriptions = new(StringComparer.Ordinal);

    public void Subscribe(string objectId) => _subscriptions[objectId] = DateTimeOffset.UtcNow;

    public bool Unsubscribe(string objectId) => _subscriptions.TryRemove(objectId, out _);

    public bool IsSubscribed(string objectId) => _subscriptions.ContainsKey(objectId);

    public IReadOnlyList<string> Subscriptions => [.. _subscriptions.Keys.Order(StringComparer.Ordinal)];

    public SandboxAccount Upsert(SandboxAccount account)
    {
        _accounts[account.Id] = account;
        RebuildTokens();
        return account;
    }

    public SandboxAccount? Update(string id, Func<SandboxAccount, SandboxAccount> change)
    {
        while (_accounts.TryGetValue(id, out var current))
        {
            var changed = change(current);
            if (_accounts.TryUpdate(id, changed, current))
                return changed;
        }
        return null;
    }

    private void RebuildTokens()
    {
        lock (_tokensLock)
            _tokens = _accounts.Values.Select(a => a.AccessToken).ToFrozenSet(StringComparer.Ordinal);
    }
}
