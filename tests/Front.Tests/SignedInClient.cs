using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Caching.Memory;
using MultichannelMessages.Front.Auth;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Tests;

/// <summary>The console's real <see cref="CoreApiClient"/> for a signed-in session holding these tokens (fresh ones:
/// no refresh is attempted).</summary>
public static class SignedInClient
{
    public static CoreApiClient Over(HttpClient http, TokenSet tokens)
    {
        var store = new SessionTokens(new MemoryCache(new MemoryCacheOptions()));
        store.Set("s1", tokens);
        return new CoreApiClient(http, new UserSession(new SignedIn(), store, new NoClients(), TimeProvider.System));
    }

    private sealed class SignedIn : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() =>
            Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "1"), new Claim(UserSession.SessionIdClaim, "s1")], "test"))));
    }

    private sealed class NoClients : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => throw new InvalidOperationException("no refresh in these tests");
    }
}
