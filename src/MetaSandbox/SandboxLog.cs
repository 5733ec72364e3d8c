namespace MultichannelMessages.MetaSandbox;

/// <summary>Never a token, secret or message text: ids, kinds and counts only.</summary>
internal static partial class SandboxLog
{
    [LoggerMessage(1, LogLevel.Information, "Meta sandbox answering for {Accounts} accounts; webhooks to {WebhookUrl}")]
    public static partial void Started(ILogger logger, int accounts, string webhookUrl);

    [LoggerMessage(2, LogLevel.Debug, "Send on {AccountId} refused with code {Code}")]
    public static partial void SendRefused(ILogger logger, string accountId, int code);

    [LoggerMessage(3, LogLevel.Information, "Fault {FaultId} set: {Kind} on {Endpoint} (count {Count}, percent {Percent})")]
    public static partial void FaultAdded(ILogger logger, string faultId, string kind, string endpoint, int? count, double? percent);

    [LoggerMessage(4, LogLevel.Information, "{Count} faults cleared")]
    public static partial void FaultsCleared(ILogger logger, int count);

    [LoggerMessage(5, LogLevel.Information, "Template {TemplateId} ({TemplateName}) reviewed: {Status}")]
    public static partial void TemplateReviewed(ILogger logger, string templateId, string templateName, string status);

    [LoggerMessage(6, LogLevel.Information, "Account {AccountId} quality {Quality}, limit {Tier}: {Event}")]
    public static partial void QualityChanged(ILogger logger, string accountId, string quality, string tier, string @event);

    [LoggerMessage(7, LogLevel.Information, "Account {AccountId} ({Kind}) registered")]
    public static partial void AccountRegistered(ILogger logger, string accountId, string kind);

    [LoggerMessage(8, LogLevel.Information, "Demo traffic started: {Messages} customer messages every {IntervalMs} ms")]
    public static partial void DemoStarted(ILogger logger, int messages, int intervalMs);

    [LoggerMessage(9, LogLevel.Information, "Demo traffic ended after {Sent} customer messages")]
    public static partial void DemoEnded(ILogger logger, int sent);

    [LoggerMessage(10, LogLevel.Warning, "Demo traffic has no account to write to")]
    public static partial void DemoWithoutAccounts(ILogger logger);

    [LoggerMessage(11, LogLevel.Error, "Unhandled error on {Path}")]
    public static partial void Unhandled(ILogger logger, string path, Exception exception);

    [LoggerMessage(12, LogLevel.Information, "Call {CallId} on {AccountId} started ({Direction})")]
    public static partial void CallStarted(ILogger logger, string callId, string accountId, string direction);

    [LoggerMessage(13, LogLevel.Information, "Call {CallId} on {AccountId} ended {Outcome} (error {ErrorCode})")]
    public static partial void CallEnded(ILogger logger, string callId, string accountId, string outcome, int? errorCode);
}
