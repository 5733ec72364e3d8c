using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Front.CoreApi;
using MultichannelMessages.Front.Hardening;

namespace MultichannelMessages.Front.Tests;

/// <summary>The console's edge: security headers, HSTS and Secure cookies behind a TLS-terminating known proxy, and the
/// sign-in flood limited per real client address.</summary>
public sealed class HardeningTests : IAsyncLifetime
{
    private const string Proxy = "10.0.0.1";
    private WebApplicationFactory<Program> _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            // Production, as deployed: HSTS is left out in Development.
            b.UseEnvironment("Production");
            b.UseSetting("CoreApi:BaseAddress", "http://core.test/");
            b.UseSetting("Edge:KnownProxies:0", Proxy);
            b.UseSetting("Edge:SignInsPerAddressPerMinute", "3");
            b.ConfigureServices(s =>
            {
                s.AddSingleton<IStartupFilter>(new ConnectionAddress());
                // The Core API's sign-in, answered here: the tokens of a session, and no saved preferences.
                s.AddHttpClient(CoreApiClient.Name).ConfigurePrimaryHttpMessageHandler(() => new SignInOnly());
            });
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    /// <summary>The test server has no sockets: the address a request comes from is given in a test header.</summary>
    private sealed class ConnectionAddress : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, nextMiddleware) =>
            {
                if (http.Request.Headers["X-Test-Remote"].FirstOrDefault() is { } remote) http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
                return nextMiddleware(http);
            });
            next(app);
        };
    }

    private sealed class SignInOnly : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var now = DateTimeOffset.UtcNow;
            var json = request.RequestUri!.AbsolutePath == "/auth/login"
                ? $$"""{"accessToken":"a","accessTokenExpiresAt":"{{now.AddMinutes(15):O}}","refreshToken":"r","refreshTokenExpiresAt":"{{now.AddDays(14):O}}","userId":7,"displayName":"Ana"}"""
                : """{"code":"not_found"}""";
            var status = json.Contains("accessToken") ? HttpStatusCode.OK : HttpStatusCode.NotFound;
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string remote, string? forwardedFor = null, string? forwardedProto = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Test-Remote", remote);
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (forwardedProto is not null) request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        return request;
    }

    private HttpClient Client() => _factory.CreateClient(new WebApplicationFactoryClientOptions
    {
        BaseAddress = new Uri("http://console.example/"), AllowAutoRedirect = false, HandleCookies = false,
    });

    [Fact]
    public async Task Console_pages_carry_a_script_and_style_content_security_policy_nosniff_and_a_referrer_policy()
    {
        var response = await Client().SendAsync(Request(HttpMethod.Get, "/login", "198.51.100.7"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        var directives = csp.Split(';', StringSplitOptions.TrimEntries).ToDictionary(d => d.Split(' ')[0], d => d);
        Assert.Equal("script-src 'self'", directives["script-src"]);
        Assert.Equal("default-src 'self'", directives["default-src"]);
        Assert.DoesNotContain("unsafe", directives["style-src"]);
        Assert.Equal("object-src 'none'", directives["object-src"]);
        Assert.Equal("frame-ancestors 'self'", directives["frame-ancestors"]);
        Assert.Equal("base-uri 'self'", directives["base-uri"]);
        Assert.Equal("form-action 'self'", directives["form-action"]);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("strict-origin-when-cross-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        // Static files too.
        var script = await Client().SendAsync(Request(HttpMethod.Get, "/_framework/blazor.web.js", "198.51.100.7"));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("nosniff", Assert.Single(script.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task The_policy_allows_the_style_element_of_blazors_reconnect_overlay_by_its_hash()
    {
        // The CSS is a template in blazor.web.js: evaluate it the way the script does (its class-name statics, \n).
        var script = await (await Client().SendAsync(Request(HttpMethod.Get, "/_framework/blazor.web.js", "198.51.100.7"))).Content.ReadAsStringAsync();
        var start = script.IndexOf("static{this.Css=`", StringComparison.Ordinal);
        Assert.True(start > 0, "blazor.web.js no longer carries its reconnect overlay CSS where expected");
        var classStart = script.LastIndexOf("static{this.ReconnectOverlayClassName=", start, StringComparison.Ordinal);
        var statics = Regex.Matches(script[classStart..start], "static\\{this\\.(\\w+)=\"([^\"]*)\"\\}").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var body = script[(start + "static{this.Css=`".Length)..script.IndexOf('`', start + "static{this.Css=`".Length)];
        var css = Regex.Replace(body, "\\$\\{this\\.(\\w+)\\}", m => statics[m.Groups[1].Value]).Replace("\\n", "\n");
        var hash = "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(css)));

        Assert.Equal(SecurityHeaders.ReconnectOverlayStyleHash, hash);
        Assert.Contains($"'{hash}'", SecurityHeaders.ContentSecurityPolicy);
    }

    [Fact]
    public async Task Hsts_is_sent_when_a_known_proxy_terminated_tls_and_not_when_anyone_else_claims_it()
    {
        var viaProxy = await Client().SendAsync(Request(HttpMethod.Get, "/login", Proxy, "203.0.113.9", "https"));
        Assert.Contains("max-age=", Assert.Single(viaProxy.Headers.GetValues("Strict-Transport-Security")));

        var spoofed = await Client().SendAsync(Request(HttpMethod.Get, "/login", "198.51.100.7", "203.0.113.9", "https"));
        Assert.Equal(HttpStatusCode.OK, spoofed.StatusCode);
        Assert.False(spoofed.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task The_session_cookie_is_secure_http_only_and_same_site_behind_tls()
    {
        var overTls = await SignInAsync("203.0.113.20", "https");
        Assert.Contains("secure", overTls, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", overTls, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", overTls, StringComparison.OrdinalIgnoreCase);
        // Positive control of the check: plain HTTP (a development machine) gets a cookie without the flag.
        Assert.DoesNotContain("secure", await SignInAsync("203.0.113.21", "http"), StringComparison.OrdinalIgnoreCase);
    }

    private async Task<string> SignInAsync(string client, string proto)
    {
        var response = await SignInResponseAsync(client, proto);
        Assert.True(response.Headers.TryGetValues("Set-Cookie", out var cookies), $"no cookie set: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return Assert.Single(cookies, c => c.StartsWith("mm_session", StringComparison.Ordinal));
    }

    private async Task<HttpResponseMessage> SignInResponseAsync(string client, string proto, string remote = Proxy, string? forwardedHost = null)
    {
        var (antiforgery, cookie) = await FormAsync(client, proto, remote, forwardedHost);
        var post = Request(HttpMethod.Post, "/login", remote, client, proto);
        if (forwardedHost is not null) post.Headers.Add("X-Forwarded-Host", forwardedHost);
        post.Headers.Add("Cookie", cookie);
        post.Content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login", ["__RequestVerificationToken"] = antiforgery, ["Input.Email"] = "agent@demo.local", ["Input.Password"] = "pw",
        });
        return await Client().SendAsync(post);
    }

    /// <summary>A proxy that rewrites Host to the instance's own address (YARP's default, and nginx's unless told
    /// otherwise) says the public one in X-Forwarded-Host. Without believing it, the sign-in's redirect pointed the
    /// browser at the instance behind the proxy, which the form-action policy blocked (found by two Fronts behind
    /// YARP in Console.Tests/ScaledConsoleTests).</summary>
    [Fact]
    public async Task Behind_a_known_proxy_the_sign_in_redirect_goes_to_the_forwarded_public_host_and_nobody_else_can_pick_it()
    {
        var viaProxy = await SignInResponseAsync("203.0.113.30", "https", Proxy, "console.company.example");
        Assert.Equal(HttpStatusCode.Redirect, viaProxy.StatusCode);
        Assert.Equal(new Uri("https://console.company.example/"), viaProxy.Headers.Location);

        // Positive control of the check: a client that is not a known proxy cannot send the browser elsewhere.
        var spoofed = await SignInResponseAsync("203.0.113.31", "https", "198.51.100.9", "evil.example");
        Assert.Equal(HttpStatusCode.Redirect, spoofed.StatusCode);
        Assert.Equal("console.example", spoofed.Headers.Location!.Host);
    }

    private async Task<(string Token, string Cookie)> FormAsync(string client, string proto, string remote = Proxy, string? forwardedHost = null)
    {
        var get = Request(HttpMethod.Get, "/login", remote, client, proto);
        if (forwardedHost is not null) get.Headers.Add("X-Forwarded-Host", forwardedHost);
        var page = await Client().SendAsync(get);
        var html = await page.Content.ReadAsStringAsync();
        var token = Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var cookie = string.Join("; ", page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        return (token, cookie);
    }

    [Fact]
    public async Task Sign_in_flood_is_throttled_at_the_front_per_client_address()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
            statuses.Add((await Client().SendAsync(Request(HttpMethod.Post, "/login", Proxy, "203.0.113.5"))).StatusCode);
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses.Take(3));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);

        // Another client behind the same proxy is not held back with it, nor is the sign-in page.
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await Client().SendAsync(Request(HttpMethod.Post, "/login", Proxy, "203.0.113.6"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client().SendAsync(Request(HttpMethod.Get, "/login", Proxy, "203.0.113.5"))).StatusCode);
        // A client that is not a known proxy cannot pick its partition by claiming another address.
        for (var i = 0; i < 3; i++) await Client().SendAsync(Request(HttpMethod.Post, "/login", "198.51.100.8", $"203.0.113.{100 + i}"));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Client().SendAsync(Request(HttpMethod.Post, "/login", "198.51.100.8", "203.0.113.200"))).StatusCode);
    }
}
