using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Pacing;

namespace MultichannelMessages.Worker.Outbox;

/// <summary>The lease must cover a pacing hold plus a whole Graph request with margin; otherwise every held
/// message would be handed back unsent, or (worse, without the sender's check) a send could still be in flight
/// when another Worker claims the row.</summary>
public sealed class OutboxLeaseValidation(IOptions<GraphOptions> graph, IOptions<PacingOptions> pacing) : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var needed = graph.Value.TimeoutSeconds + pacing.Value.MaxHold.TotalSeconds + 4;
        return options.LeaseSeconds >= needed
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Outbox:LeaseSeconds ({options.LeaseSeconds}) must be at least Graph:TimeoutSeconds ({graph.Value.TimeoutSeconds}) + " +
                $"Pacing:MaxHoldMs ({pacing.Value.MaxHoldMs} ms) + 4 s, i.e. {Math.Ceiling(needed)}, so a send in flight never outlives its lease.");
    }
}
