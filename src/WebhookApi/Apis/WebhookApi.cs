using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Meta.Parsing;
using MultichannelMessages.WebhookApi.Ingestion;
using MultichannelMessages.WebhookApi.Signatures;

namespace MultichannelMessages.WebhookApi.Apis;

public static class WebhookApi
{
    public static IEndpointRouteBuilder MapWebhookApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/webhook", (HttpRequest request, AppSecrets secrets) => VerifyAsync(request, null, secrets));
        app.MapPost("/webhook", (HttpContext http, WebhookServices services) => Receive(http, null, services));
        // Optional per-app callback URL: checks the token and the body against that app's secrets only.
        app.MapGet("/webhook/{metaAppId}", (HttpRequest request, string metaAppId, AppSecrets secrets) => VerifyAsync(request, metaAppId, secrets));
        app.MapPost("/webhook/{metaAppId}", (HttpContext http, string metaAppId, WebhookServices services) => Receive(http, metaAppId, services));
        return app;
    }

    /// <summary>Meta's subscription handshake: echo hub.challenge when hub.mode is subscribe and the token is ours.</summary>
    /// The app's last verification is recorded, so the console can show the wiring works.</summary>
    public static async Task<Results<ContentHttpResult, StatusCodeHttpResult>> VerifyAsync(HttpRequest request, string? metaAppId, AppSecrets secrets)
    {
        var mode = request.Query["hub.mode"].ToString();
        var token = request.Query["hub.verify_token"].ToString();
        var challenge = request.Query["hub.challenge"].ToString();
        if (mode == "subscribe" && token.Length > 0 && challenge.Length > 0
            && await secrets.FindByVerifyTokenAsync(token, metaAppId, request.HttpContext.RequestAborted) is { } app)
        {
            try { await secrets.MarkVerifiedAsync(app.Id, request.HttpContext.RequestAborted); }
            catch (Npgsql.NpgsqlException) { /* the handshake still succeeds; only the console's "last verified" waits */ }
            return TypedResults.Text(challenge, "text/plain");
        }
        return TypedResults.StatusCode(StatusCodes.Status403Forbidden);
    }

    public static async Task<IResult> Receive(HttpContext http, string? metaAppId, WebhookServices s)
    {
        var ct = http.RequestAborted;
        byte[]? body;
        try { body = await RawBody.ReadAsync(http.Request, s.Options.MaxBodyBytes, ct); }
        catch (EndOfStreamException) { return Reject(s, "truncated", StatusCodes.Status400BadRequest); }
        if (body is null) return Reject(s, "too_large", StatusCodes.Status413PayloadTooLarge);

        var signer = await s.Secrets.FindSignerAsync(http.Request.Headers["X-Hub-Signature-256"], body, metaAppId, ct);
        if (signer is null) return Reject(s, "signature", StatusCodes.Status401Unauthorized);
        s.Secrets.MarkSeen(signer.Id);

        var durable = s.Options.AckMode != AckMode.Fast;
        var envelope = new WebhookEnvelope
        {
            Body = body,
            EventHash = SHA256.HashData(body),
            AppId = signer.Id,
            ReceivedAt = DateTimeOffset.UtcNow,
            Parsed = WebhookParser.Parse(body),
            Committed = durable ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null,
        };
        if (!s.Queue.TryEnqueue(envelope)) return Reject(s, "queue_full", StatusCodes.Status503ServiceUnavailable);
        s.Metrics.Received();
        if (!durable) return TypedResults.Ok();

        try
        {
            await envelope.Committed!.Task.WaitAsync(TimeSpan.FromSeconds(s.Options.DurableAckTimeoutSeconds), ct);
            return TypedResults.Ok();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            IngestLog.DurableAckFailed(s.Logger, ex);
            return TypedResults.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static IResult Reject(WebhookServices s, string reason, int status)
    {
        s.Metrics.Rejected(reason);
        s.Rejections.Rejected(reason);
        return TypedResults.StatusCode(status);
    }
}

/// <summary>What the webhook handlers need, resolved once per request.</summary>
public sealed class WebhookServices(AppSecrets secrets, IngestQueue queue, IngestMetrics metrics, RejectionLog rejections,
    IOptions<IngestOptions> options, ILogger<WebhookServices> logger)
{
    public RejectionLog Rejections { get; } = rejections;
    public AppSecrets Secrets { get; } = secrets;
    public IngestQueue Queue { get; } = queue;
    public IngestMetrics Metrics { get; } = metrics;
    public IngestOptions Options { get; } = options.Value;
    public ILogger Logger { get; } = logger;
}
