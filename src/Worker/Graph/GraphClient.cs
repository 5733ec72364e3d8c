using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.Worker.Graph;

/// <summary>
/// The Worker's only door to Meta: POST /{version}/{account}/messages with the account's access token. One attempt
/// per call, never retried here: a send Meta may have accepted must not be repeated blindly. Retries are the
/// outbox's (next_attempt_at), decided by <see cref="MetaErrorClassifier"/>.
/// </summary>
public sealed class GraphClient(HttpClient http, IOptions<GraphOptions> options)
{
    private readonly string _version = options.Value.ApiVersion;
    private readonly TimeSpan _timeout = options.Value.Timeout;

    public async Task<GraphSendResult> SendAsync(OutboundMessage message, string accessToken, CancellationToken ct)
    {
        if (GraphRequests.Build(message, out var problem) is not { } body)
            return GraphSendResult.Failed(new MetaError(0, null, null, "Unsupported message", problem, MetaErrorSource.Unsendable));

        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_version}/{Uri.EscapeDataString(message.AccountExternalId)}/messages")
        {
            Content = JsonContent.Create(body),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        try
        {
            using var response = await http.SendAsync(request, ct);
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            return GraphResponses.Parse((int)response.StatusCode, bytes, RetryAfter(response));
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return GraphSendResult.Failed(MetaError.Timeout(_timeout));
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError
                                                  or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError
                                                  or HttpRequestError.ProxyTunnelError)
        {
            // No connection was made: the request never left.
            return GraphSendResult.Failed(MetaError.Network(ex.HttpRequestError + ": " + ex.Message));
        }
        catch (HttpRequestException ex)
        {
            return GraphSendResult.Failed(MetaError.Interrupted(ex.HttpRequestError + ": " + ex.Message));
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow,
        _ => null,
    };
}
