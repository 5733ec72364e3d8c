using Microsoft.AspNetCore.Http.HttpResults;

namespace MultichannelMessages.OpenAiSandbox.Faults;

/// <summary><c>/sandbox/faults</c>: set, read and clear the faults the /v1 endpoints answer with.</summary>
public static class FaultEndpoints
{
    public static Created<FaultView> Add(FaultRequest body, FaultInjector faults)
    {
        var fault = faults.Add(body);
        return TypedResults.Created($"/sandbox/faults/{fault.Id}", fault);
    }

    public static Ok<IReadOnlyList<FaultView>> List(FaultInjector faults) => TypedResults.Ok(faults.List());

    /// <summary>Every fault, or those of one scope (a test clears its own and leaves the others').</summary>
    public static NoContent Clear(FaultInjector faults, string? scope)
    {
        faults.Clear(scope);
        return TypedResults.NoContent();
    }
}
