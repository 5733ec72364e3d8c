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
