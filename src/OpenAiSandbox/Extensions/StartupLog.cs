using Microsoft.Extensions.Options;
using MultichannelMessages.OpenAiSandbox.Rules;

namespace MultichannelMessages.OpenAiSandbox.Extensions;

/// <summary>One line at start saying what the sandbox answers for; building the rule store here loads the rules file
/// before the first request instead of during it.</summary>
public sealed class StartupLog(IOptions<SandboxOptions> options, RuleStore rules, ILogger<StartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        SandboxLog.Started(logger, options.Value.Models.Count, options.Value.ApiKeys.Count, rules.List().Count);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
