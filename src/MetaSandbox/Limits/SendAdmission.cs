using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Graph;

namespace MultichannelMessages.MetaSandbox.Limits;

/// <summary>Meta's refusals of a valid WhatsApp send before it is taken: the WABA's enforcement (131031 disabled,
/// 368 restricted), then the number's throughput (130429, when Sandbox:Limits:EnforceThroughput is on).</summary>
public sealed class SendAdmission(AccountRestrictions restrictions, ThroughputGate throughput, IOptions<LimitOptions> options)
{
    public GraphError? Refusal(SandboxAccount account, bool businessInitiated)
    {
        if (restrictions.Refusal(account.WabaId!, businessInitiated) is { } restricted)
            return restricted;
        var o = options.Value;
        return o.EnforceThroughput && !throughput.TryAdmit(account.Id, account.Mps ?? o.DefaultMps) ? GraphErrors.RateLimit() : null;
    }
}
