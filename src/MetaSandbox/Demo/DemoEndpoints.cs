using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.MetaSandbox.Apis;

namespace MultichannelMessages.MetaSandbox.Demo;

public static class DemoEndpoints
{
    public static Results<Accepted<DemoStatus>, ValidationProblem> Start(DemoStartRequest? body, DemoTraffic demo)
    {
        body ??= new DemoStartRequest(null, null);
        if (RequestValidation.Problem(body) is { } problem)
            return problem;
        return TypedResults.Accepted("/sandbox/demo", demo.Start(body));
    }

    public static Ok<DemoStatus> Stop(DemoTraffic demo) => TypedResults.Ok(demo.Stop());

    public static Ok<DemoStatus> Status(DemoTraffic demo) => TypedResults.Ok(demo.Status());
}
