using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Sessions end: sign-out revokes the session's refresh tokens, a spent refresh token presented again revokes
/// its whole session, and access tokens are HS256 only.</summary>
public sealed class SessionTests(CoreHost host) : IClassFixture<CoreHost>
{
    private async Task<JsonElement> LoginAsync(string email)
    {
        var response = await host.Anonymous().PostAsJsonAsync("/auth/login", new { email, password = CoreHost.Password });
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private Task<HttpResponseMessage> RefreshAsync(string? refreshToken) =>
        host.Anonymous().PostAsJsonAsync("/auth/refresh", new { refreshToken });

    private static string Refresh(JsonElement tokens) => tokens.GetProperty("refreshToken").GetString()!;
    private static string Access(JsonElement tokens) => tokens.GetProperty("accessToken").GetString()!;

    [Fact]
    public async Task Sign_out_revokes_the_refresh_token()
    {
        var signIn = await LoginAsync("agent@demo.local");
        // Positive control: before sign-out the session refreshes (and its access token names the session).
        var refreshed = await RefreshAsync(Refresh(signIn));
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var current = await refreshed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(Sid(signIn), Sid(current));

        Assert.Equal(HttpStatusCode.NoContent, (await host.Anonymous().PostAsJsonAsync("/auth/logout", new { refreshToken = Refresh(current) })).StatusCode);

        var after = await RefreshAsync(Refresh(current));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal("invalid_refresh_token", (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Sign_out_with_the_access_token_revokes_its_session_only()
    {
        var signedOut = await LoginAsync("supervisor@demo.local");
        var sibling = await LoginAsync("supervisor@demo.local");
        var client = host.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", signedOut.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/auth/logout", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(Refresh(signedOut))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(Refresh(sibling))).StatusCode);
        // Nothing to sign out: said as a validation error, not silently accepted.
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Anonymous().PostAsJsonAsync("/auth/logout", new { })).StatusCode);
    }

    [Fact]
    public async Task Signed_out_access_token_is_refused_before_it_expires()
    {
        var signedOut = await LoginAsync("dev@demo.local");
        var sibling = await LoginAsync("dev@demo.local");
        // A second replica already running, and (below) one started after the sign-out.
        await using var running = host.NewInstance();
        var onRunning = running.CreateClient();
        // Positive control: the access token opens the API on both instances before sign-out.
        Assert.Equal(HttpStatusCode.OK, (await GetProjectsAsync(Access(signedOut))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetProjectsAsync(Access(signedOut), onRunning)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await host.Anonymous().PostAsJsonAsync("/auth/logout", new { refreshToken = Refresh(signedOut) })).StatusCode);

        // The instance that signed out refuses the copied token at once; the other follows the invalidation.
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetProjectsAsync(Access(signedOut))).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpStatusCode onOther;
        while ((onOther = (await GetProjectsAsync(Access(signedOut), onRunning)).StatusCode) == HttpStatusCode.OK && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Equal(HttpStatusCode.Unauthorized, onOther);
        await using var started = host.NewInstance();
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetProjectsAsync(Access(signedOut), started.CreateClient())).StatusCode);

        // The same user's other session is untouched, everywhere.
        Assert.Equal(HttpStatusCode.OK, (await GetProjectsAsync(Access(sibling))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetProjectsAsync(Access(sibling), onRunning)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetProjectsAsync(Access(sibling), started.CreateClient())).StatusCode);
    }

    [Fact]
    public async Task Reusing_a_spent_refresh_token_revokes_its_family()
    {
        var stolen = await LoginAsync("admin@demo.local");
        var otherSignIn = await LoginAsync("admin@demo.local");
        var rotated = await RefreshAsync(Refresh(stolen));
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var successor = Refresh(await rotated.Content.ReadFromJsonAsync<JsonElement>());

        // The spent token comes back (a copy in someone else's hands): refused, and its whole family with it.
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(Refresh(stolen))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(successor)).StatusCode);
        Assert.Equal("reused", await host.ScalarAsync<string>(
            "select s.revoked_reason from core.sessions s join core.refresh_tokens t on t.session_id = s.id where t.token_hash = @hash",
            new { hash = Auth.TokenService.HashRefreshToken(successor) }));

        // The same user's other sign-in is another family: it still works.
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(Refresh(otherSignIn))).StatusCode);
    }

    [Fact]
    public async Task A_deactivated_users_sessions_end()
    {
        var userId = await host.ScalarAsync<long>("select core.create_user('leaver@demo.local', 'Lee Leaver', @hash)",
            new { hash = new Microsoft.AspNetCore.Identity.PasswordHasher<string>().HashPassword("", CoreHost.Password) });
        var first = await LoginAsync("leaver@demo.local");
        var second = await LoginAsync("leaver@demo.local");
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(Refresh(first))).StatusCode);

        await host.ScalarAsync<object>("select core.set_user_active(@userId, false)", new { userId });
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(Refresh(second))).StatusCode);
        await host.ScalarAsync<object>("select core.set_user_active(@userId, true)", new { userId });
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(Refresh(second))).StatusCode);
    }

    [Fact]
    public async Task Access_tokens_signed_with_another_algorithm_are_refused()
    {
        var userId = await host.ScalarAsync<long>("select id from core.users where email = 'dev@demo.local'");
        var hs256 = Forge(userId, SecurityAlgorithms.HmacSha256);
        var hs384 = Forge(userId, SecurityAlgorithms.HmacSha384); // the same 384-bit key: too short for HS512
        var none = Unsigned(userId);

        // Positive control: the same claims and key, HS256, open the API.
        Assert.Equal(HttpStatusCode.OK, (await GetProjectsAsync(hs256)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetProjectsAsync(hs384)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetProjectsAsync(none)).StatusCode);
    }

    private Task<HttpResponseMessage> GetProjectsAsync(string token, HttpClient? client = null)
    {
        client ??= host.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.GetAsync("/projects");
    }

    private string Forge(long userId, string algorithm) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "multichannel-messages",
        Audience = "console",
        Subject = new ClaimsIdentity([new Claim("sub", userId.ToString()), new Claim("name", "Forged")]),
        Expires = DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(host.JwtKey), algorithm),
    });

    private static string Unsigned(long userId)
    {
        static string Part(object value) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value)));
        var exp = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds();
        return $"{Part(new { alg = "none", typ = "JWT" })}.{Part(new { sub = userId.ToString(), iss = "multichannel-messages", aud = "console", exp })}.";
    }

    private static string Sid(JsonElement tokens) =>
        new JsonWebToken(tokens.GetProperty("accessToken").GetString()).GetClaim("sid").Value;
}

/// <summary>Own host with a low per-address sign-in limit: the flood must not reach refreshes.</summary>
public sealed class SignInFloodTests(SignInFloodTests.FloodHost host) : IClassFixture<SignInFloodTests.FloodHost>
{
    public sealed class FloodHost : CoreHost
    {
        protected override void Configure(IWebHostBuilder builder) => builder.UseSetting("Auth:RequestsPerAddressPerMinute", "5");
    }

    [Fact]
    public async Task Sign_in_flood_does_not_block_other_agents_refresh()
    {
        var agent = await (await host.Anonymous().PostAsJsonAsync("/auth/login", new { email = "agent@demo.local", password = CoreHost.Password }))
            .Content.ReadFromJsonAsync<JsonElement>();

        // A flood of sign-ins from the console server's address (every agent's address, as the Core API sees it).
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
            statuses.Add((await host.Anonymous().PostAsJsonAsync("/auth/login", new { email = $"guess{i}@demo.local", password = "guess" })).StatusCode);
        // Control: the flood itself is limited.
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);

        var refreshed = await host.Anonymous().PostAsJsonAsync("/auth/refresh", new { refreshToken = agent.GetProperty("refreshToken").GetString() });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
    }
}
