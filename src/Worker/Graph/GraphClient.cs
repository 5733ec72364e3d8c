using System.Net.Http.Json;

namespace MultichannelMessages.Worker.Graph;

/// <summary>
/// Sends one message: POST /{version}/{account}/messages with the account's access token, through the one
/// <see cref="GraphTransport"/>. One attempt per call, never retried here: a send Meta may have accepted must not be
/// repeated blindly. Retries are the outbox's (next_attempt_at), decided by <see cref="MetaErrorClassifier"/>.
/// </summary>
public sealed class GraphClient(GraphTransport transport)
{
    public async Task<GraphSendResult> SendAsync(OutboundMessage message, string accessToken, CancellationToken ct)
    {
        if (GraphRequests.Build(message, out var problem) is not { } body)
            return GraphSendResult.Failed(new MetaError(0, null, null, "Unsupported message", problem, MetaErrorSource.Unsendable));

        using var request = new HttpRequestMessage(HttpMethod.Post,
            $"{transport.ApiVersion}/{Uri.EscapeDataString(message.AccountExternalId)}/messages")
        {
            Content = JsonContent.Create(body),
        };
        var answer = await transport.SendAsync(request, accessToken, ct);
        return answer.Failure is { } failure
            ? GraphSendResult.Failed(failure)
            : GraphResponses.Parse(answer.Status, answer.Body, answer.RetryAfter);
    }
}
