using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Graph;

namespace MultichannelMessages.MetaSandbox.Faults;

/// <summary>How a call proceeds once the faults had their say: answered by the fault (<see cref="RefusalCode"/> is
/// Meta's code in that answer), or accepted with a failure to report later in a status webhook (WhatsApp's way for
/// 131047, 131026, 131049, 131050), or untouched.</summary>
public sealed record FaultEffect(IResult? Answer, int? FailureCode, int? RefusalCode = null)
{
    public static readonly FaultEffect None = new(null, null);
}

public sealed class FaultEffects(FaultInjector faults, IOptions<FaultOptions> options)
{
    /// <param name="templateName">The template of a template send: the faults only template sends meet apply.</param>
    public async Task<FaultEffect> ApplyAsync(string endpoint, SandboxAccount account, HttpContext http, string? templateName = null)
    {
        var decision = faults.Decide(endpoint, account.Id, templateName is not null);
        if (decision.Latency > TimeSpan.Zero)
            await Task.Delay(decision.Latency, http.RequestAborted);
        if (decision.Outcome is not { } fault)
            return FaultEffect.None;

        var whatsApp = account.Kind == AccountKind.WhatsApp;
        var sends = endpoint == "messages";
        return fault.Kind switch
        {
            FaultKind.RateLimit when endpoint == "calls" => Answer(Calls.CallErrors.RateLimit(), fault, http),
            FaultKind.RateLimit => Answer(whatsApp ? GraphErrors.RateLimit() : GraphErrors.PageRateLimit(), fault, http),
            FaultKind.PairRateLimit => Answer(whatsApp ? GraphErrors.PairRateLimit() : GraphErrors.PageRateLimit(), fault, http),
            FaultKind.ServerError => Answer(GraphErrors.Unknown(), fault, http),
            FaultKind.ServiceUnavailable => Answer(GraphErrors.Temporary(), fault, http),
            FaultKind.WindowClosed when sends => whatsApp ? new FaultEffect(null, 131047) : Answer(GraphErrors.OutsideWindow(), fault, http),
            FaultKind.Undeliverable when sends => whatsApp ? new FaultEffect(null, 131026) : Answer(GraphErrors.UserUnavailable(), fault, http),
            FaultKind.MarketingLimit when sends && whatsApp => new FaultEffect(null, 131049),
            FaultKind.MarketingOptOut when sends && whatsApp => new FaultEffect(null, 131050),
            FaultKind.SpamRate => Answer(whatsApp ? GraphErrors.SpamRate() : GraphErrors.PageRateLimit(), fault, http),
            FaultKind.TemplatePaused when whatsApp => Answer(GraphErrors.TemplatePaused(templateName ?? "template"), fault, http),
            FaultKind.Timeout => await HoldAsync(fault, http),
            _ => FaultEffect.None,
        };
    }

    private static FaultEffect Answer(GraphError error, FaultView fault, HttpContext http) =>
        new((error with { HttpStatus = fault.HttpStatus ?? error.HttpStatus }).ToResult(http.Response), null, error.Code);

    private async Task<FaultEffect> HoldAsync(FaultView fault, HttpContext http)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(fault.DelayMs ?? options.Value.TimeoutHoldMs), http.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The caller gave up first, as a caller with a sane timeout does.
        }
        if (fault.AcceptAfterTimeout)
            return FaultEffect.None;
        http.Abort();
        return new FaultEffect(Results.Empty, null);
    }
}
