using MultichannelMessages.OpenAiSandbox.Faults;
using MultichannelMessages.OpenAiSandbox.Requests;
using MultichannelMessages.OpenAiSandbox.Rules;
using MultichannelMessages.OpenAiSandbox.Transcriptions;

namespace MultichannelMessages.OpenAiSandbox.Apis;

/// <summary>The sandbox's own control and inspection API: nothing OpenAI has, everything a test or demo needs.</summary>
public static class SandboxApi
{
    public static IEndpointRouteBuilder MapSandboxApi(this IEndpointRouteBuilder app)
    {
        var sandbox = app.MapGroup("/sandbox").WithTags("Sandbox");

        sandbox.MapGet("/rules", RuleEndpoints.List);
        sandbox.MapPost("/rules", RuleEndpoints.Add);
        sandbox.MapDelete("/rules", RuleEndpoints.Clear);
        sandbox.MapDelete("/rules/{id}", RuleEndpoints.Remove);

        sandbox.MapPost("/transcripts", TranscriptionEndpoints.Script);
        sandbox.MapDelete("/transcripts/{id}", TranscriptionEndpoints.Unscript);

        sandbox.MapGet("/faults", FaultEndpoints.List);
        sandbox.MapPost("/faults", FaultEndpoints.Add);
        sandbox.MapDelete("/faults", FaultEndpoints.Clear);

        sandbox.MapGet("/requests", RequestEndpoints.List);
        return app;
    }
}
