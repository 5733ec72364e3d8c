namespace MultichannelMessages.Platform.Net;

/// <summary>Decides from the declared Content-Type and the first bytes whether a body is kept: the content type to
/// record, or null to refuse it (<see cref="FetchFailureKind.ContentRefused"/>).</summary>
public delegate string? ContentCheck(string? declaredContentType, ReadOnlySpan<byte> head);

/// <summary>One GET of a URL the platform did not choose.</summary>
/// <param name="MaxBytes">Larger bodies are refused (by Content-Length, or by counting while reading).</param>
/// <param name="Timeout">For the whole fetch: every redirect hop, the headers and the body.</param>
public sealed record FetchRequest(Uri Url, long MaxBytes, TimeSpan Timeout)
{
    /// <summary>Sent as <c>Authorization: Bearer</c> to the URL's own origin only; a redirect elsewhere goes without it.</summary>
    public string? BearerToken { get; init; }

    /// <summary>Null keeps any content.</summary>
    public ContentCheck? Accept { get; init; }

    /// <summary>GET unless set. A POST (an AI agent's tool calling the business's system) is never redirected: a
    /// redirect answer is returned as a failure, so a body and its credentials go only where they were meant to.</summary>
    public HttpMethod Method { get; init; } = HttpMethod.Get;

    /// <summary>A JSON body (POST).</summary>
    public string? JsonBody { get; init; }

    /// <summary>Headers sent to the URL's own origin only (an API key, basic credentials).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}

public enum FetchFailureKind
{
    /// <summary>Not an absolute http(s) URL, or one carrying credentials.</summary>
    InvalidUrl,
    /// <summary>The destination (or a redirect's) is not a public address: nothing was connected to.</summary>
    Refused,
    TooManyRedirects,
    /// <summary>An HTTP error status; <see cref="FetchFailure.Body"/> holds the start of its body.</summary>
    HttpStatus,
    TooLarge,
    ContentRefused,
    Timeout,
    Network,
}

/// <summary>Why a fetch returned no file. <see cref="Detail"/> names hosts and addresses, never a URL's query (signed
/// download URLs carry their signature there).</summary>
public sealed record FetchFailure(FetchFailureKind Kind, string Detail, int HttpStatus = 0, byte[]? Body = null)
{
    /// <summary>The stable reason code recorded with a failed file (<c>ssrf_refused</c>, <c>too_large</c>, …).</summary>
    public string Code => Kind switch
    {
        FetchFailureKind.InvalidUrl => "invalid_url",
        FetchFailureKind.Refused => "ssrf_refused",
        FetchFailureKind.TooManyRedirects => "too_many_redirects",
        FetchFailureKind.HttpStatus => "http_" + HttpStatus,
        FetchFailureKind.TooLarge => "too_large",
        FetchFailureKind.ContentRefused => "content_refused",
        FetchFailureKind.Timeout => "timeout",
        _ => "network",
    };

    public override string ToString() => $"{Code}: {Detail}";
}

/// <summary>A file, or why not.</summary>
public readonly record struct FetchResult(FetchedFile? File, FetchFailure? Failure)
{
    public static FetchResult Failed(FetchFailureKind kind, string detail, int httpStatus = 0, byte[]? body = null) =>
        new(null, new FetchFailure(kind, detail, httpStatus, body));
}
