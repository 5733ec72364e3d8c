using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.MetaSandbox.Apis;

namespace MultichannelMessages.MetaSandbox.Faults;

/// <summary><c>/sandbox/faults</c>: set, read and clear the faults the Graph endpoints answer with.</summary>
public static class FaultEndpoints
{
    public static Results<Created<FaultView>, ValidationProblem> Add(FaultRequest body, FaultInjector faults)
    {
        if (RequestValidation.Problem(body) is { } problem)
            return problem;
        var fault = faults.Add(body);
        return TypedResults.Created($"/sandbox/faults/{fault.Id}", fault);
    }

    public static Ok<IReadOnlyList<FaultView>> List(FaultInjector faults) => TypedResults.Ok(faults.List());

    public static NoContent Clear(FaultInjector faults)
    {
        faults.Clear();
        return TypedResults.NoContent();
    }

    public static Results<NoContent, NotFound> Remove(string id, FaultInjector faults) =>
        faults.Remove(id) ? TypedResults.NoContent() : TypedResults.NotFound();
}
