using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

public sealed class AuthTests(CoreHost host) : IClassFixture<CoreHost>
{
    [Fact]
    public async Task Login_returns_an_access_token_that_opens_the_api_and_a_refresh_token()
    {
        var response = await host.Anonymous().PostAsJsonAsync("/auth/login", new { email = "AGENT@demo.local", password = CoreHost.Password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrEmpty(body.GetProperty("refreshToken").GetString()));
        var client = host.Anonymous();
        client.DefaultRequestHeaders.Authorization = new("Bearer", body.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/projects")).StatusCode);
    }

    [Theory]
    [InlineData("agent@demo.local", "wrong password")]
    [InlineData("nobody@demo.local", CoreHost.Password)]
    public async Task Wrong_credentials_say_nothing_about_which_part_was_wrong(string email, string password)
    {
        var response = await host.Anonymous().PostAsJsonAsync("/auth/login", new { email, password });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_credentials", problem.GetProperty("code").GetString());
        Assert.Equal("The e-mail or password is not right.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Missing_password_is_a_validation_error_naming_the_field()
    {
        var response = await host.Anonymous().PostAsJsonAsync("/auth/login", new { email = "agent@demo.local" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("password", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Refresh_token_works_once()
    {
        var login = await (await host.Anonymous().PostAsJsonAsync("/auth/login", new { email = "admin@demo.local", password = CoreHost.Password }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var refresh = login.GetProperty("refreshToken").GetString();
        var first = await host.Anonymous().PostAsJsonAsync("/auth/refresh", new { refreshToken = refresh });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var second = await host.Anonymous().PostAsJsonAsync("/auth/refresh", new { refreshToken = refresh });
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/projects")]
    [InlineData("GET", "/projects/1/accounts")]
    [InlineData("GET", "/projects/1/queues")]
    [InlineData("GET", "/projects/1/conversations")]
    [InlineData("GET", "/conversations/1/messages")]
    [InlineData("POST", "/conversations/1/messages")]
    [InlineData("POST", "/conversations/1/read")]
    [InlineData("GET", "/ops/workers")]
    [InlineData("GET", "/projects/1/dead-letters")]
    public async Task Every_endpoint_refuses_a_request_without_a_token(string method, string path)
    {
        var response = await host.Anonymous().SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "POST" ? JsonContent.Create(new { text = "hi" }) : null,
        });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_is_served()
    {
        var json = await host.Anonymous().GetStringAsync("/openapi/v1.json");
        Assert.Contains("/projects/{projectId}/conversations", json);
    }
}

/// <summary>Own host: the sign-in limit would otherwise slow every other test.</summary>
public sealed class LoginRateLimitTests(CoreHost host) : IClassFixture<CoreHost>
{
    [Fact]
    public async Task Repeated_failed_logins_to_one_account_are_rate_limited_while_colleagues_at_the_same_address_still_sign_in()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
            statuses.Add((await host.Anonymous().PostAsJsonAsync("/auth/login", new { email = "agent@demo.local", password = "guess" + i })).StatusCode);
        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        // The same account in other casing is the same account.
        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await host.Anonymous().PostAsJsonAsync("/auth/login", new { email = " Agent@Demo.Local", password = CoreHost.Password })).StatusCode);

        // Every agent signs in through the console server's one address: the others are not locked out with her.
        foreach (var email in new[] { "supervisor@demo.local", "admin@demo.local", "dev@demo.local" })
            Assert.Equal(HttpStatusCode.OK,
                (await host.Anonymous().PostAsJsonAsync("/auth/login", new { email, password = CoreHost.Password })).StatusCode);
    }
}
