using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.Platform.Net;

/// <summary>
/// The one way to GET a URL the platform did not choose (an attachment URL from a webhook, the media node's download
/// URL; later AI tools' endpoints and imported media). Connects only to public addresses, checked at connect time
/// after DNS (<see cref="GuardedConnect"/>); follows at most <see cref="FetchOptions.MaxRedirects"/> redirects by
/// hand, http(s) only, never a URL with credentials; bounds the whole fetch in time and the body in bytes; keeps only
/// the content the caller accepts. Outcomes are values (<see cref="FetchResult"/>), not exceptions.
/// </summary>
public sealed class SafeFetcher(HttpClient http, IOptions<FetchOptions> options)
{
    private const int HeadBytes = 512;
    private const int ErrorBodyBytes = 64 * 1024;
    private readonly int _maxRedirects = options.Value.MaxRedirects;

    public async Task<FetchResult> FetchAsync(FetchRequest request, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(request.Timeout);
        try
        {
            return await FollowAsync(request, deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return FetchResult.Failed(FetchFailureKind.Timeout, $"not complete within {request.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex) when (Find<FetchRefusedException>(ex) is { } refused)
        {
            return FetchResult.Failed(FetchFailureKind.Refused, refused.Message);
        }
        catch (HttpRequestException ex)
        {
            return FetchResult.Failed(FetchFailureKind.Network, ex.HttpRequestError + ": " + ex.Message);
        }
        catch (IOException ex)
        {
            return FetchResult.Failed(FetchFailureKind.Network, "interrupted: " + ex.Message);
        }
    }

    private async Task<FetchResult> FollowAsync(FetchRequest request, CancellationToken ct)
    {
        var url = request.Url;
        for (var hop = 0; ; hop++)
        {
            if (Invalid(url) is { } invalid) return FetchResult.Failed(FetchFailureKind.InvalidUrl, invalid);
            using var message = new HttpRequestMessage(request.Method, url);
            if (request.BearerToken is { } token && SameOrigin(url, request.Url))
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (request.Headers is { } headers && SameOrigin(url, request.Url))
                foreach (var (name, value) in headers) message.Headers.TryAddWithoutValidation(name, value);
            if (request.JsonBody is { } json)
                message.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
            if (IsRedirect(response.StatusCode) && request.Method != HttpMethod.Get)
                return FetchResult.Failed(FetchFailureKind.HttpStatus, $"{Origin(url)} redirected a {request.Method}; it is not followed",
                    (int)response.StatusCode);
            if (IsRedirect(response.StatusCode))
            {
                if (response.Headers.Location is not { } location)
                    return FetchResult.Failed(FetchFailureKind.HttpStatus, $"redirect from {Origin(url)} without a Location", (int)response.StatusCode);
                if (hop >= _maxRedirects)
                    return FetchResult.Failed(FetchFailureKind.TooManyRedirects, $"more than {_maxRedirects} redirects (last from {Origin(url)})");
                url = location.IsAbsoluteUri ? location : new Uri(url, location);
                continue;
            }
            if (!response.IsSuccessStatusCode)
                return FetchResult.Failed(FetchFailureKind.HttpStatus, $"{Origin(url)} answered {(int)response.StatusCode}",
                    (int)response.StatusCode, await ReadCappedAsync(response.Content, ErrorBodyBytes, ct));
            return await ReadBodyAsync(response.Content, request, ct);
        }
    }

    private static async Task<FetchResult> ReadBodyAsync(HttpContent content, FetchRequest request, CancellationToken ct)
    {
        if (content.Headers.ContentLength is { } declared && declared > request.MaxBytes)
            return TooLarge(declared, request.MaxBytes);
        await using var body = await content.ReadAsStreamAsync(ct);
        // The first bytes decide what the body is (a declared octet-stream is judged by them).
        var head = new byte[HeadBytes];
        var length = 0;
        int read;
        while (length < head.Length && (read = await body.ReadAsync(head.AsMemory(length), ct)) > 0) length += read;
        var declaredType = content.Headers.ContentType?.ToString();
        var contentType = declaredType;
        if (request.Accept is { } accept && (contentType = accept(declaredType, head.AsSpan(0, length))) is null)
            return FetchResult.Failed(FetchFailureKind.ContentRefused, $"{declaredType ?? "no content type"} is not accepted here");
        var file = await FetchedFile.WriteAsync(head.AsMemory(0, length), body, request.MaxBytes, contentType, ct);
        return file is null ? TooLarge(null, request.MaxBytes) : new FetchResult(file, null);
    }

    private static FetchResult TooLarge(long? size, long max) => FetchResult.Failed(FetchFailureKind.TooLarge,
        size is { } s ? $"{s} bytes; at most {max} are accepted" : $"more than {max} bytes; at most {max} are accepted");

    private static async Task<byte[]> ReadCappedAsync(HttpContent content, int max, CancellationToken ct)
    {
        await using var body = await content.ReadAsStreamAsync(ct);
        var buffer = new byte[max];
        var length = 0;
        int read;
        while (length < max && (read = await body.ReadAsync(buffer.AsMemory(length), ct)) > 0) length += read;
        return buffer[..length];
    }

    /// <summary>Null when the URL may be requested; the connect-time check then judges its address.</summary>
    private static string? Invalid(Uri url)
    {
        if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")) return "only absolute http(s) URLs are fetched";
        if (url.UserInfo.Length > 0) return "a URL with credentials is not fetched";
        return null;
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && a.Port == b.Port && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase);

    /// <summary>Scheme, host and port: enough to diagnose, without a signed URL's query.</summary>
    private static string Origin(Uri url) => url.IsAbsoluteUri ? url.GetLeftPart(UriPartial.Authority) : "a relative URL";

    private static T? Find<T>(Exception? ex) where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is T match) return match;
        return null;
    }
}
