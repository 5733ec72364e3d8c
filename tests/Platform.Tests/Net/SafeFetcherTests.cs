using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.Platform.Net;
using MultichannelMessages.TestSupport;

namespace MultichannelMessages.Platform.Tests.Net;

/// <summary>
/// The SSRF-safe fetcher over real sockets. "internal" is a loopback server that is NOT allow-listed (an internal
/// service: it must not see even a TCP connection); "cdn" is allow-listed and plays a public CDN.
/// </summary>
public sealed class SafeFetcherTests : IAsyncLifetime
{
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, .. RandomNumberGenerator.GetBytes(2000)];
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. RandomNumberGenerator.GetBytes(500)];
    private LoopbackHttpServer _internal = null!, _cdn = null!, _otherCdn = null!;
    private readonly List<string?> _authorizations = [];

    public async Task InitializeAsync()
    {
        _internal = await LoopbackHttpServer.StartAsync(app => app.MapGet("/{**path}", () => Results.Json(new { openapi = "3.1.0", secret = "internal" })));
        _otherCdn = await LoopbackHttpServer.StartAsync(app => app.MapGet("/photo.jpg", (HttpContext http) =>
        {
            lock (_authorizations) _authorizations.Add(http.Request.Headers.Authorization.ToString());
            return Results.Bytes(Jpeg, "image/jpeg");
        }));
        _cdn = await LoopbackHttpServer.StartAsync(Cdn);
    }

    private void Cdn(IEndpointRouteBuilder app)
    {
        app.MapGet("/photo.jpg", (HttpContext http) =>
        {
            lock (_authorizations) _authorizations.Add(http.Request.Headers.Authorization.ToString());
            return Results.Bytes(Jpeg, "image/jpeg");
        });
        app.MapGet("/photo.bin", () => Results.Bytes(Png, "application/octet-stream"));
        app.MapGet("/data.bin", () => Results.Bytes("{\"internal\":true}"u8.ToArray(), "application/octet-stream"));
        app.MapGet("/page.html", () => Results.Content("<html><script>alert(1)</script></html>", "text/html"));
        app.MapGet("/data.json", () => Results.Json(new { a = 1 }));
        app.MapGet("/image.svg", () => Results.Content("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "image/svg+xml"));
        app.MapGet("/streamed", async (HttpContext http) =>
        {
            http.Response.ContentType = "image/jpeg"; // no Content-Length: only counting stops it
            await http.Response.Body.WriteAsync(Jpeg);
            for (var i = 0; i < 20; i++) await http.Response.Body.WriteAsync(new byte[1000]);
        });
        app.MapGet("/slow", async (HttpContext http) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), http.RequestAborted);
            return Results.Bytes(Jpeg, "image/jpeg");
        });
        app.MapGet("/to-internal", () => Results.Redirect($"http://127.0.0.1:{_internal.Port}/openapi/v1.json"));
        app.MapGet("/to-internal-name", () => Results.Redirect($"http://localhost:{_internal.Port}/openapi/v1.json"));
        app.MapGet("/to-other-cdn", () => Results.Redirect($"http://127.0.0.1:{_otherCdn.Port}/photo.jpg"));
        app.MapGet("/to-ftp", () => Results.Redirect("ftp://127.0.0.1/photo.jpg"));
        app.MapGet("/to-credentials", () => Results.Redirect($"http://user:pass@127.0.0.1:{_otherCdn.Port}/photo.jpg"));
        app.MapGet("/hop/{n:int}", (int n) => Results.Redirect(n <= 1 ? "/photo.jpg" : $"/hop/{n - 1}"));
    }

    public async Task DisposeAsync()
    {
        await _internal.DisposeAsync();
        await _cdn.DisposeAsync();
        await _otherCdn.DisposeAsync();
    }

    private SafeFetcher Fetcher(HostResolver? resolver = null, params string[] extraAllowed)
    {
        var options = new FetchOptions { AllowedEndpoints = [_cdn.Authority, _otherCdn.Authority, .. extraAllowed] };
        return new SafeFetcher(new HttpClient(GuardedConnect.CreateHandler(options, resolver)) { Timeout = Timeout.InfiniteTimeSpan },
            Options.Create(options));
    }

    private static FetchRequest Request(string url, long maxBytes = 1_000_000, double seconds = 5) =>
        new(new Uri(url), maxBytes, TimeSpan.FromSeconds(seconds)) { Accept = InboundMediaTypes.Accept };

    private string CdnUrl(string path) => $"http://127.0.0.1:{_cdn.Port}{path}";

    private static async Task<FetchFailure> FailsAsync(SafeFetcher fetcher, FetchRequest request)
    {
        var result = await fetcher.FetchAsync(request, CancellationToken.None);
        if (result.File is { } file) await file.DisposeAsync();
        return result.Failure ?? throw new Xunit.Sdk.XunitException($"{request.Url} was fetched");
    }

    [Fact]
    public async Task A_media_file_on_an_allowed_endpoint_is_fetched_with_its_hash_and_type()
    {
        var result = await Fetcher().FetchAsync(Request(CdnUrl("/photo.jpg")), CancellationToken.None);

        Assert.Null(result.Failure);
        await using var file = result.File!;
        Assert.Equal(Jpeg.Length, file.Length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Jpeg)), file.Sha256Hex);
        Assert.Equal("image/jpeg", file.ContentType);
        Assert.Equal(Jpeg, await File.ReadAllBytesAsync(file.Path));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    [InlineData("[::ffff:127.0.0.1]")]
    [InlineData("127.1")]
    [InlineData("2130706433")]  // 127.0.0.1 as one decimal number
    [InlineData("0x7f.0.0.1")]
    [InlineData("LOCALHOST.")]
    [InlineData("0.0.0.0")]
    [InlineData("[::1]")]
    [InlineData("[::ffff:7f00:1]")]
    public async Task A_loopback_destination_in_any_spelling_is_refused_before_connecting(string host)
    {
        var failure = await FailsAsync(Fetcher(), Request($"http://{host}:{_internal.Port}/openapi/v1.json"));

        Assert.Equal(FetchFailureKind.Refused, failure.Kind);
        Assert.Equal("ssrf_refused", failure.Code);
        Assert.Equal(0, _internal.Connections);
        // Positive control: the same fetcher reaches the allow-listed server on the same address.
        var allowed = await Fetcher().FetchAsync(Request(CdnUrl("/photo.jpg")), CancellationToken.None);
        await using var _ = allowed.File;
        Assert.Null(allowed.Failure);
    }

    [Fact]
    public async Task A_name_with_any_internal_address_among_its_answers_is_refused_and_the_checked_addresses_are_the_ones_connected()
    {
        // A rebinding name answers a public address first and loopback second: one bad answer refuses it all.
        HostResolver resolver = (host, _) => ValueTask.FromResult(host switch
        {
            "rebind.test" => new[] { IPAddress.Parse("93.184.215.14"), IPAddress.Loopback },
            "cdn.test" => new[] { IPAddress.Loopback },
            _ => throw new InvalidOperationException("unexpected lookup of " + host),
        });
        var fetcher = Fetcher(resolver, $"cdn.test:{_cdn.Port}");

        var failure = await FailsAsync(fetcher, Request($"http://rebind.test:{_internal.Port}/openapi/v1.json"));
        Assert.Equal(FetchFailureKind.Refused, failure.Kind);
        Assert.Contains("127.0.0.1", failure.Detail);
        Assert.Equal(0, _internal.Connections);

        // An allow-listed NAME connects to what the resolver answered for it (the connect uses the checked answer).
        var allowed = await fetcher.FetchAsync(Request($"http://cdn.test:{_cdn.Port}/photo.jpg"), CancellationToken.None);
        await using var _ = allowed.File;
        Assert.Null(allowed.Failure);
    }

    [Theory]
    [InlineData("/to-internal")]
    [InlineData("/to-internal-name")]
    public async Task A_redirect_from_an_allowed_host_to_an_internal_one_is_refused_before_connecting(string path)
    {
        var failure = await FailsAsync(Fetcher(), Request(CdnUrl(path)));

        Assert.Equal(FetchFailureKind.Refused, failure.Kind);
        Assert.True(_cdn.Requests >= 1, "the allowed host was asked");
        Assert.Equal(0, _internal.Connections);
    }

    [Fact]
    public async Task Redirects_are_followed_up_to_the_limit_and_no_further()
    {
        var three = await Fetcher().FetchAsync(Request(CdnUrl("/hop/3")), CancellationToken.None);
        await using (three.File) Assert.Null(three.Failure);

        var failure = await FailsAsync(Fetcher(), Request(CdnUrl("/hop/4")));
        Assert.Equal(FetchFailureKind.TooManyRedirects, failure.Kind);
    }

    [Theory]
    [InlineData("/to-ftp")]
    [InlineData("/to-credentials")]
    public async Task A_redirect_to_another_scheme_or_to_a_url_with_credentials_is_refused(string path)
    {
        var failure = await FailsAsync(Fetcher(), Request(CdnUrl(path)));

        Assert.Equal(FetchFailureKind.InvalidUrl, failure.Kind);
        Assert.Equal(0, _otherCdn.Requests);
    }

    [Fact]
    public async Task A_url_with_credentials_is_refused_without_a_request()
    {
        var failure = await FailsAsync(Fetcher(), Request($"http://user:pass@127.0.0.1:{_cdn.Port}/photo.jpg"));

        Assert.Equal(FetchFailureKind.InvalidUrl, failure.Kind);
        Assert.Equal(0, _cdn.Requests);
    }

    [Fact]
    public async Task The_bearer_token_goes_to_its_own_origin_and_not_past_a_redirect_elsewhere()
    {
        var same = await Fetcher().FetchAsync(Request(CdnUrl("/hop/1")) with { BearerToken = "meta-token" }, CancellationToken.None);
        await using (same.File) Assert.Null(same.Failure);
        var elsewhere = await Fetcher().FetchAsync(Request(CdnUrl("/to-other-cdn")) with { BearerToken = "meta-token" }, CancellationToken.None);
        await using (elsewhere.File) Assert.Null(elsewhere.Failure);

        Assert.Equal(["Bearer meta-token", ""], _authorizations);
    }

    [Theory]
    [InlineData("/photo.jpg")] // declares its length
    [InlineData("/streamed")]  // does not: counted while read
    public async Task A_body_over_the_cap_is_refused(string path)
    {
        var failure = await FailsAsync(Fetcher(), Request(CdnUrl(path), maxBytes: 1000));
        Assert.Equal("too_large", failure.Code);

        var withinCap = await Fetcher().FetchAsync(Request(CdnUrl(path), maxBytes: 100_000), CancellationToken.None);
        await using (withinCap.File) Assert.Null(withinCap.Failure);
    }

    [Theory]
    [InlineData("/page.html")]
    [InlineData("/data.json")]
    [InlineData("/image.svg")]
    [InlineData("/data.bin")]  // octet-stream whose bytes are no media format
    public async Task Content_that_is_not_media_is_refused(string path)
    {
        var failure = await FailsAsync(Fetcher(), Request(CdnUrl(path)));
        Assert.Equal(FetchFailureKind.ContentRefused, failure.Kind);
    }

    [Fact]
    public async Task An_octet_stream_whose_bytes_are_an_image_is_kept_under_the_sniffed_type()
    {
        var result = await Fetcher().FetchAsync(Request(CdnUrl("/photo.bin")), CancellationToken.None);

        Assert.Null(result.Failure);
        await using var file = result.File!;
        Assert.Equal("image/png", file.ContentType);
    }

    [Fact]
    public async Task A_fetch_that_does_not_finish_in_time_times_out()
    {
        var failure = await FailsAsync(Fetcher(), Request(CdnUrl("/slow"), seconds: 0.5));
        Assert.Equal("timeout", failure.Code);
    }
}
