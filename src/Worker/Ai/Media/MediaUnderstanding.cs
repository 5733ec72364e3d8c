using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.Worker.Ai.Documents;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Ai.Media;

/// <summary>
/// One claimed job: the stored file is read from the media store and becomes text — a voice note's transcript, a
/// photo's description, a document's text (no model needed) — kept on the message. Outcomes: done; retried later
/// (the provider's 429 or 5xx, a timeout, the store down); skipped with the reason (too large, a format the API does
/// not take, no provider or model any more, the day's budget spent: the agent hands off to people then, so a backlog
/// billed tomorrow would only spend the new day on yesterday's media); failed with the reason (the provider refused
/// the file, it is gone from the store, the attempts ran out).
/// </summary>
public sealed partial class MediaUnderstanding(
    AiMediaStore queue,
    AiStore ai,
    AiClients clients,
    MediaModels models,
    IMediaStore files,
    WorkerIdentity identity,
    IOptions<AiMediaOptions> options,
    ILogger<MediaUnderstanding> logger)
{
    private static readonly HashSet<string> ImageTypes = ["image/jpeg", "image/png", "image/webp", "image/gif"];
    private readonly AiMediaOptions _options = options.Value;
    private readonly Backoff _backoff = new(new OutboxOptions { RetryBaseDelayMs = options.Value.RetryBaseDelayMs, RetryMaxDelayMs = options.Value.RetryMaxDelayMs });

    public async Task ProcessAsync(AiMediaJob job, LoopStatus status, CancellationToken stopping)
    {
        status.Started();
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            deadline.CancelAfter(_options.Timeout);
            Outcome outcome;
            try { outcome = await UnderstandAsync(job, deadline.Token); }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                outcome = Outcome.Retry($"timeout: not done within {_options.TimeoutSeconds} s", null);
            }
            await RecordAsync(job, status, outcome);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutdown mid-job: the lease expires and another attempt starts over.
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogRecordFailed(logger, job.MessageId, job.Kind, ex);
            status.Error(ex.Message);
        }
        finally
        {
            status.Finished();
        }
    }

    private async Task<Outcome> UnderstandAsync(AiMediaJob job, CancellationToken ct)
    {
        if (job.StorageKey is null) return Outcome.Fail("no_stored_file: the message has no stored file of this kind");
        var mime = (job.MimeType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        var (limit, check) = job.Kind switch
        {
            "transcript" => (_options.MaxAudioBytes, AudioFiles.FileName(job.MimeType) is null
                ? $"unsupported_format: {mime} is not a format transcription takes (flac, m4a, mp3, mp4, mpeg, mpga, oga, ogg, wav, webm)" : null),
            "description" => (_options.MaxImageBytes, ImageTypes.Contains(mime) ? null : $"unsupported_format: {mime} is not an image the vision model takes (JPEG, PNG, WebP, GIF)"),
            _ => (_options.MaxDocumentBytes, null),
        };
        if (check is not null) return Outcome.Skip(check);
        if (job.SizeBytes > limit) return Outcome.Skip($"too_large: {job.SizeBytes} bytes; at most {limit} are {Verb(job.Kind)}");

        AiProvider? provider = null;
        if (job.Kind != "document")
        {
            // Documents need no model (their text is read here); transcripts and descriptions need the provider now.
            provider = clients.For(job.ProjectId, await ai.ProviderAsync(job.ProjectId), out var problem);
            if (provider is null) return Outcome.Skip(problem ?? "no_provider");
            if (provider.Row.BudgetSpent) return Outcome.Skip("budget_spent: the project's AI budget for the day is spent");
            if ((job.Kind == "transcript" ? provider.Row.TranscriptionModel : provider.Row.VisionModel) is null)
                return Outcome.Skip($"no_model: the provider has no {(job.Kind == "transcript" ? "transcription" : "vision")} model");
        }

        var (bytes, readProblem) = await ReadAsync(job.StorageKey, limit, ct);
        if (bytes is null) return readProblem!;
        try
        {
            return job.Kind switch
            {
                "transcript" => Text(await models.TranscribeAsync(provider!, job, bytes, AudioFiles.FileName(job.MimeType)!, ct), "no speech was recognised"),
                "description" => Text(await models.DescribeAsync(provider!, job, bytes, mime, ct), "the model described nothing"),
                _ => Document(bytes, job),
            };
        }
        catch (Exception ex) when (ProviderErrors.IsProviderFailure(ex) && !ct.IsCancellationRequested)
        {
            var error = ProviderErrors.Describe(ex);
            return ProviderErrors.IsPermanent(ex) ? Outcome.Fail("provider_refused: " + error) : Outcome.Retry(error, ProviderErrors.RetryAfter(ex));
        }
    }

    private static Outcome Text(string text, string empty) => text.Trim() is { Length: > 0 } t ? Outcome.Done(t) : Outcome.Skip("empty: " + empty);

    /// <summary>A document's text needs no model: read here, cut to the length kept on a message.</summary>
    private Outcome Document(byte[] bytes, AiMediaJob job)
    {
        var document = DocumentReader.Read(bytes, job.MimeType, job.FileName);
        return document.Problem is { } problem ? Outcome.Fail(problem) : Outcome.Done(document.Plain(_options.MaxDocumentChars));
    }

    private async Task<(byte[]? Bytes, Outcome? Problem)> ReadAsync(string key, int limit, CancellationToken ct)
    {
        try
        {
            var stored = await files.OpenReadAsync(key, ct);
            if (stored is null) return (null, Outcome.Fail("not_in_store: the file is no longer in the media store"));
            await using (stored)
            {
                if (stored.Length > limit) return (null, Outcome.Skip($"too_large: {stored.Length} bytes; at most {limit} are read"));
                using var buffer = new MemoryStream((int)Math.Max(0, stored.Length));
                await stored.Content.CopyToAsync(buffer, ct);
                return (buffer.ToArray(), null);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Amazon.Runtime.AmazonServiceException or HttpRequestException)
        {
            return (null, Outcome.Retry("store: " + ex.Message, null));
        }
    }

    private async Task RecordAsync(AiMediaJob job, LoopStatus status, Outcome outcome)
    {
        var worker = identity.Id;
        bool recorded;
        if (outcome.Text is { } text)
        {
            recorded = await queue.CompleteAsync(job, worker, text);
            if (recorded) { status.CountSent(); LogDone(logger, job.MessageId, job.Kind, text.Length); }
        }
        else if (outcome.Transient && job.AttemptCount < _options.MaxAttempts)
        {
            var delay = _backoff.Delay(job.AttemptCount, RetryClass.Transient, outcome.RetryAfter);
            recorded = await queue.RetryAsync(job, worker, outcome.Reason!, delay);
            if (recorded) { status.CountRetried(); LogRetrying(logger, job.MessageId, job.Kind, job.AttemptCount, outcome.Reason!, (long)delay.TotalMilliseconds); }
        }
        else
        {
            var (final, reason) = outcome.Transient ? ("failed", $"attempts_exhausted: {job.AttemptCount} attempts; the last: {outcome.Reason}")
                : (outcome.Status!, outcome.Reason!);
            recorded = await queue.FinishAsync(job, worker, final, reason);
            if (recorded) { status.CountFailed(); LogFinished(logger, job.MessageId, job.Kind, final, reason); }
        }
        if (!recorded) { status.CountLeaseLost(); LogLeaseLost(logger, job.MessageId, job.Kind); }
    }

    private static string Verb(string kind) => kind switch { "transcript" => "transcribed", "description" => "described", _ => "read" };

    private sealed record Outcome(string? Text, string? Status, string? Reason, bool Transient, TimeSpan? RetryAfter)
    {
        public static Outcome Done(string text) => new(text, null, null, false, null);
        public static Outcome Skip(string reason) => new(null, "skipped", reason, false, null);
        public static Outcome Fail(string reason) => new(null, "failed", reason, false, null);
        public static Outcome Retry(string reason, TimeSpan? retryAfter) => new(null, null, reason, true, retryAfter);
    }

    [LoggerMessage(720, LogLevel.Information, "AI media: message {MessageId} has its {Kind} ({Chars} characters)")]
    private static partial void LogDone(ILogger logger, long messageId, string kind, int chars);

    [LoggerMessage(721, LogLevel.Warning, "AI media: {Kind} of message {MessageId} failed transiently, attempt {Attempt}: {Error}; retry in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, long messageId, string kind, int attempt, string error, long delayMs);

    [LoggerMessage(722, LogLevel.Warning, "AI media: {Kind} of message {MessageId} ended {Status}: {Reason}")]
    private static partial void LogFinished(ILogger logger, long messageId, string kind, string status, string reason);

    [LoggerMessage(723, LogLevel.Warning, "AI media: the lease on the {Kind} of message {MessageId} was lost before its result was recorded")]
    private static partial void LogLeaseLost(ILogger logger, long messageId, string kind);

    [LoggerMessage(724, LogLevel.Error, "AI media: recording the {Kind} of message {MessageId} failed; the lease will expire and it is tried again")]
    private static partial void LogRecordFailed(ILogger logger, long messageId, string kind, Exception exception);
}
