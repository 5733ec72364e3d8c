namespace MultichannelMessages.MetaSandbox.Webhooks;

internal static partial class WebhookLog
{
    [LoggerMessage(101, LogLevel.Debug, "Webhook of {Items} items delivered (HTTP {Status}, attempt {Attempt})")]
    public static partial void Delivered(ILogger logger, int items, int status, int attempt);

    [LoggerMessage(102, LogLevel.Warning, "Webhook of {Items} items answered {Status} (attempt {Attempt} of {MaxAttempts}); retrying in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, int items, int status, int attempt, int maxAttempts, int delayMs);

    [LoggerMessage(103, LogLevel.Error, "Webhook of {Items} items abandoned after {Attempts} attempts (last answer {Status})")]
    public static partial void GaveUp(ILogger logger, int items, int attempts, int status);

    [LoggerMessage(104, LogLevel.Warning, "Webhook queue full: {Object} {Field} item dropped")]
    public static partial void Dropped(ILogger logger, string @object, string field);

    [LoggerMessage(105, LogLevel.Information, "Sandbox:WebhookUrl is empty: webhooks are built and counted, not posted")]
    public static partial void NoReceiver(ILogger logger);

    [LoggerMessage(106, LogLevel.Warning, "Webhook post failed: {Reason}")]
    public static partial void PostFailed(ILogger logger, string reason);
}
