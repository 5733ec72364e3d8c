using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.Platform.Net;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Media;

/// <summary>
/// Fetches one claimed file and records the outcome: stored (key, type, size, hash), retried later (5xx, timeout,
/// network, rate limits, a store that is down) or failed for good with the reason (gone or expired, refused, too
/// large, not media, an internal address, hash mismatch, attempts exhausted). WhatsApp media is resolved through its
/// media node and downloaded with the account's token; Messenger/Instagram attachments come with a direct URL. Both
/// URLs came from a payload, so both are fetched through the <see cref="SafeFetcher"/> (public addresses only).
/// </summary>
public sealed class MediaDownloader(
    MediaGraphClient graph,
    SafeFetcher fetcher,
    IMediaStore store,
    MediaDownloadStore queue,
    SecretProtector protector,
    WorkerIdentity identity,
    IOptions<MediaDownloadOptions> options,
    ILogger<MediaDownloader> logger)
{
    private readonly MediaDownloadOptions _options = options.Value;
    // The outbox's backoff (exponential, jittered, floors for Meta's rate limits) with the media loop's own delays.
    private readonly Backoff _backoff = new(new OutboxOptions { RetryBaseDelayMs = options.Value.RetryBaseDelayMs, RetryMaxDelayMs = options.Value.RetryMaxDelayMs });

    public async Task ProcessAsync(MediaDownloadItem item, LoopStatus status, CancellationToken stopping)
    {
        status.Started();
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            deadline.CancelAfter(_options.Timeout);
            Outcome outcome;
            try { outcome = await DownloadAsync(item, deadline.Token); }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                outcome = Outcome.Transient($"timeout: no complete download within {_options.TimeoutSeconds} s", RetryClass.Transient);
            }
            await RecordAsync(item, status, outcome);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutdown mid-download: the lease expires and another attempt starts over (the key is overwritten).
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            MediaLog.RecordFailed(logger, item.MediaId, ex);
            status.Error(ex.Message);
        }
        finally
        {
            status.Finished();
        }
    }

    private async Task<Outcome> DownloadAsync(MediaDownloadItem item, CancellationToken ct)
    {
        string url;
        string? token = null, mimeType = item.MimeType;
        // Every hash Meta announced must match: the webhook's (base64) and the media node's (hex).
        var expected = new List<string>(2);
        if (item.Sha256 is { Length: > 0 } announced) expected.Add(announced);
        if (item.ProviderMediaId is { Length: > 0 } mediaId)
        {
            if (!AccessTokens.TryDecrypt(protector, item.AccessTokenEnc, item.AccountId, out var decrypted, out var problem))
                return Outcome.Permanent("no_access_token: " + problem);
            token = decrypted;
            var (node, error) = await graph.GetNodeAsync(mediaId, token, ct);
            if (node is null) return Outcome.FromError("media_node", error!);
            url = node.Url;
            if (node.Sha256 is { Length: > 0 } nodeSha) expected.Add(nodeSha);
            mimeType = node.MimeType ?? mimeType;
            if (node.FileSize > _options.MaxBytes)
                return Outcome.Permanent($"too_large: {node.FileSize} bytes; at most {_options.MaxBytes} are accepted");
        }
        else if (item.Url is { Length: > 0 } direct) url = direct;
        else return Outcome.Permanent("no_source: neither a media id nor a URL");

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            return Outcome.Permanent("invalid_url: not an absolute URL");
        // The token goes only where Meta's media node pointed (WhatsApp); an attachment URL never receives one.
        var fetched = await fetcher.FetchAsync(new FetchRequest(uri, _options.MaxBytes, _options.Timeout)
        {
            BearerToken = token,
            Accept = InboundMediaTypes.Accept,
        }, ct);
        if (fetched.Failure is { } failure) return Outcome.FromFetch(failure);
        var file = fetched.File!;
        await using (file)
        {
            if (expected.FirstOrDefault(sha => !file.Matches(sha)) is { } mismatch)
                return Outcome.Permanent($"sha256_mismatch: Meta announced {mismatch}, the bytes hash to {file.Sha256Hex}");
            mimeType ??= file.ContentType ?? "application/octet-stream";
            var key = MediaKeys.Inbound(item.ProjectId, item.MediaId);
            try
            {
                await using var content = file.OpenRead();
                await store.PutAsync(key, content, mimeType, ct);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Amazon.Runtime.AmazonServiceException or HttpRequestException)
            {
                return Outcome.Transient("store: " + ex.Message, RetryClass.Transient);
            }
            return Outcome.Stored(key, mimeType, file.Length, file.Sha256Hex);
        }
    }

    private async Task RecordAsync(MediaDownloadItem item, LoopStatus status, Outcome outcome)
    {
        bool recorded;
        if (outcome.StorageKey is { } key)
        {
            recorded = await queue.CompleteAsync(item.MediaId, identity.Id, key, outcome.MimeType, outcome.Size, outcome.Sha256!, CancellationToken.None);
            if (recorded) { status.CountSent(); MediaLog.Stored(logger, item.MediaId, item.ProjectId, outcome.Size); }
        }
        else if (outcome.Retry != RetryClass.None && item.AttemptCount < _options.MaxAttempts)
        {
            var delay = _backoff.Delay(item.AttemptCount, outcome.Retry);
            recorded = await queue.RetryAsync(item.MediaId, identity.Id, outcome.Reason!, delay, CancellationToken.None);
            if (recorded) { status.CountRetried(); status.Error(outcome.Reason); MediaLog.Retrying(logger, item.MediaId, item.AttemptCount, outcome.Reason!, (long)delay.TotalMilliseconds); }
        }
        else
        {
            var reason = outcome.Retry == RetryClass.None ? outcome.Reason! : "attempts_exhausted: " + outcome.Reason;
            recorded = await queue.FailAsync(item.MediaId, identity.Id, reason, CancellationToken.None);
            if (recorded) { status.CountFailed(); MediaLog.Failed(logger, item.MediaId, item.ProjectId, reason); }
        }
        if (!recorded) { status.CountLeaseLost(); MediaLog.LeaseLost(logger, item.MediaId); }
    }

    private sealed record Outcome(string? StorageKey, string? MimeType, long Size, string? Sha256, RetryClass Retry, string? Reason)
    {
        public static Outcome Stored(string key, string mimeType, long size, string sha256) => new(key, mimeType, size, sha256, RetryClass.None, null);
        public static Outcome Permanent(string reason) => new(null, null, 0, null, RetryClass.None, reason);
        public static Outcome Transient(string reason, RetryClass retry) => new(null, null, 0, null, retry, reason);

        /// <summary>Meta's answer decides, as for sends: an expired URL or a deleted media id (404, code 100) is
        /// permanent, a 5xx or rate limit is worth another attempt.</summary>
        /// <summary>Refusals are final and keep their stable code first (<c>ssrf_refused</c>, <c>too_large</c>,
        /// <c>not_media</c>, …); an HTTP error is Meta's answer and classified as one; a timeout or a broken connection
        /// is worth another attempt.</summary>
        public static Outcome FromFetch(FetchFailure failure) => failure.Kind switch
        {
            FetchFailureKind.HttpStatus => FromError("download", GraphResponses.Parse(failure.HttpStatus, failure.Body ?? []).Error
                ?? new MetaError(failure.HttpStatus, null, null, "HTTP " + failure.HttpStatus, failure.Detail)),
            FetchFailureKind.Network => FromError("download", MetaError.Network(failure.Detail)),
            FetchFailureKind.Timeout => Transient(failure.ToString(), RetryClass.Transient),
            FetchFailureKind.ContentRefused => Permanent("not_media: " + failure.Detail),
            _ => Permanent(failure.ToString()),
        };

        public static Outcome FromError(string step, MetaError error)
        {
            var decision = MetaErrorClassifier.Classify(error);
            var reason = $"{step}: {(decision.IsPermanent ? decision.Reason + ": " : "")}{error}";
            return decision.IsPermanent ? Permanent(reason) : Transient(reason, decision.Retry);
        }
    }
}

/// <summary>Structured log lines of the media loop. Never a token or a URL with its signature.</summary>
internal static partial class MediaLog
{
    [LoggerMessage(400, LogLevel.Information, "Media download loop {WorkerId} started: batch {BatchSize}, {MaxParallel} parallel downloads")]
    public static partial void Started(ILogger logger, string workerId, int batchSize, int maxParallel);

    [LoggerMessage(401, LogLevel.Warning, "Claiming media downloads failed: {Reason}")]
    public static partial void ClaimFailed(ILogger logger, string reason);

    [LoggerMessage(402, LogLevel.Debug, "Media {MediaId} (project {ProjectId}) stored, {SizeBytes} bytes")]
    public static partial void Stored(ILogger logger, long mediaId, long projectId, long sizeBytes);

    [LoggerMessage(403, LogLevel.Warning, "Media {MediaId} download failed transiently, attempt {Attempt}: {Error}; retry in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, long mediaId, int attempt, string error, long delayMs);

    [LoggerMessage(404, LogLevel.Warning, "Media {MediaId} (project {ProjectId}) failed: {Reason}")]
    public static partial void Failed(ILogger logger, long mediaId, long projectId, string reason);

    [LoggerMessage(405, LogLevel.Warning, "Lease on media {MediaId} was lost before its result was recorded")]
    public static partial void LeaseLost(ILogger logger, long mediaId);

    [LoggerMessage(406, LogLevel.Error, "Recording the download of media {MediaId} failed; the lease will expire and it is tried again")]
    public static partial void RecordFailed(ILogger logger, long mediaId, Exception exception);
}
