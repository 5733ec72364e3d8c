using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace MultichannelMessages.Worker.Graph;

/// <summary>What the Graph API answered to one call, or why no answer came (then <see cref="Failure"/> is set and the
/// status is 0).</summary>
public readonly record struct GraphAnswer(int Status, byte[] Body, TimeSpan? RetryAfter, MetaError? Failure)
{
    public bool IsSuccess => Failure is null && Status is >= 200 and < 300;

    /// <summary>Why the call did not succeed: the transport failure, or Meta's error envelope (or the HTTP status and the
    /// start of the body when there was none). Meaningful only when the call did not succeed.</summary>
    public MetaError Error => Failure ?? GraphResponses.Parse(Status, Body, RetryAfter).Error
        ?? new MetaError(Status, null, null, "Unexpected response", null);
}

/// <summary>
/// The one HTTP layer under every Graph client of the Worker (messages, media, templates): it sets the account's
/// token, makes exactly one attempt and turns what happened into a <see cref="GraphAnswer"/>. Whether a failure left
/// Meta possibly holding the request is decided here, once: no connection, or a host paused by the circuit breaker,
/// means the request never left (safe to send again); a timeout or a connection broken after the request was written
/// means it may have been accepted (in doubt). The resilience pipeline around it (see
/// <c>WorkerExtensions.AddGraphClient</c>) adds a per-host timeout and a circuit breaker, never a retry: retries are
/// the queue's (the outbox's next_attempt_at), the only place that knows whether a repeat is safe.
/// </summary>
public sealed class GraphTransport(HttpClient http, GraphCircuits circuits, IOptions<GraphOptions> options)
{
    /// <summary>A call's own timeout (uploads need longer than sends); read by the pipeline's timeout strategy.</summary>
    public static readonly HttpRequestOptionsKey<TimeSpan> TimeoutOption = new("mm.graph.timeout");

    private readonly GraphOptions _options = options.Value;

    public string ApiVersion => _options.ApiVersion;

    /// <summary>The Graph host every call goes to (the breaker's key).</summary>
    public Uri BaseAddress => http.BaseAddress!;

    /// <summary>Sends <paramref name="request"/> once. <paramref name="timeout"/> defaults to Graph:TimeoutSeconds.
    /// Cancellation by <paramref name="ct"/> is the caller's and propagates.</summary>
    public async Task<GraphAnswer> SendAsync(HttpRequestMessage request, string? accessToken, CancellationToken ct, TimeSpan? timeout = null)
    {
        var limit = timeout ?? _options.Timeout;
        request.Options.Set(TimeoutOption, limit);
        if (accessToken is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        try
        {
            using var response = await http.SendAsync(request, ct);
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            return new GraphAnswer((int)response.StatusCode, body, RetryAfter(response), null);
        }
        catch (TimeoutRejectedException)
        {
            return Failed(MetaError.Timeout(limit));
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            // HttpClient's own timeout, if one is set below the pipeline's.
            return Failed(MetaError.Timeout(limit));
        }
        catch (BrokenCircuitException)
        {
            var host = request.RequestUri?.IsAbsoluteUri == true ? request.RequestUri.Authority : BaseAddress.Authority;
            return Failed(MetaError.CircuitOpen(host, circuits.RetryIn(host)));
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError
                                                  or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError
                                                  or HttpRequestError.ProxyTunnelError)
        {
            // No connection was made: the request never left.
            return Failed(MetaError.Network(ex.HttpRequestError + ": " + ex.Message));
        }
        catch (HttpRequestException ex)
        {
            return Failed(MetaError.Interrupted(ex.HttpRequestError + ": " + ex.Message));
        }
        catch (IOException ex)
        {
            return Failed(MetaError.Interrupted("reading the answer: " + ex.Message));
        }
    }

    private static GraphAnswer Failed(MetaError error) => new(0, [], error.RetryAfter, error);

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow,
        _ => null,
    };
}
