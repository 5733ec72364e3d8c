namespace MultichannelMessages.OpenAiSandbox;

/// <summary>Never an API key, a prompt or a transcript: ids, kinds and counts only.</summary>
internal static partial class SandboxLog
{
    [LoggerMessage(1, LogLevel.Information, "OpenAI sandbox answering for {Models} models and {Keys} API keys, {Rules} rules")]
    public static partial void Started(ILogger logger, int models, int keys, int rules);

    [LoggerMessage(2, LogLevel.Information, "{Count} rules loaded from {Path}")]
    public static partial void RulesLoaded(ILogger logger, int count, string path);

    [LoggerMessage(3, LogLevel.Debug, "Rule {RuleId} added (scope {Scope})")]
    public static partial void RuleAdded(ILogger logger, string ruleId, string scope);

    [LoggerMessage(4, LogLevel.Information, "Fault {FaultId} set: {Kind} on {Endpoint} (count {Count})")]
    public static partial void FaultAdded(ILogger logger, string faultId, string kind, string endpoint, int? count);

    [LoggerMessage(5, LogLevel.Information, "{Count} faults cleared")]
    public static partial void FaultsCleared(ILogger logger, int count);

    [LoggerMessage(6, LogLevel.Debug, "{Path} refused with {Status} {Code}")]
    public static partial void Refused(ILogger logger, string path, int status, string code);

    [LoggerMessage(7, LogLevel.Error, "Unhandled error on {Path}")]
    public static partial void Unhandled(ILogger logger, string path, Exception exception);
}
