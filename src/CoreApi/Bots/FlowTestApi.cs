using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Bots;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using MultichannelMessages.Platform.Bots;
using Npgsql;

namespace MultichannelMessages.CoreApi.Bots;

/// <summary>
/// The editor's test panel: the draft (or the published version) run as a simulated customer by the same engine the
/// Worker runs (<see cref="FlowEngine"/>), one customer turn per request, the state round-tripped by the browser.
/// Nothing is sent, no attribute is written, no agent or template is called: the answer shows what would happen. A
/// wait node's timer is skipped (and said so), so a test never has to wait.
/// </summary>
public static class FlowTestApi
{
    public static IEndpointRouteBuilder MapFlowTest(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/projects/{projectId:long}/bots/flows").WithTags("Chatbots")
            .MapPost("/{flowId:long}/test", Test).RequirePermission(Permissions.ManageBots);
        return app;
    }

    private sealed record FlowRow(string Draft, string? Published, string Language, bool InHours);

    public static async Task<Results<Ok<FlowTestResult>, ProblemHttpResult>> Test(long projectId, long flowId, FlowTestRequest request,
        NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<FlowRow>(new CommandDefinition("""
            select f.draft::text as draft, v.definition::text as published, p.default_language as language,
                   core.in_business_hours(f.project_id, now()) as in_hours
            from bot.flows f
            join core.projects p on p.id = f.project_id
            left join bot.flow_versions v on v.id = f.published_version_id
            where f.id = @flowId and f.project_id = @projectId
            """, new { flowId, projectId }, cancellationToken: ct));
        if (row is null) return Refusals.NotFound();
        var json = request.UsePublished == true ? row.Published : row.Draft;
        if (json is null) return Refusals.Invalid("usePublished", "flow_not_published", "The flow has no published version yet: test the draft.");
        FlowDefinition? flow;
        try { flow = JsonSerializer.Deserialize<FlowDefinition>(json, JsonSerializerOptions.Web); }
        catch (JsonException) { flow = null; }
        if (flow?.Nodes is null) return Refusals.Invalid("definition", "flow_invalid", "The flow cannot be read: fix it in the editor.");

        var context = new FlowContext(flow.Channels is { Length: > 0 } channels ? channels[0] : "whatsapp", "Test customer", "+10000000000",
            new Dictionary<string, string>(), row.InHours, row.Language ?? "en");
        var state = request.State is { } s
            ? new FlowState(s.NodeId, s.Awaiting ? FlowState.Input : FlowState.Run, new Dictionary<string, string>(s.Variables ?? []), s.Retries)
            : FlowState.Start(flow);
        var input = request.Input is not null || request.ReplyId is not null ? new FlowInput(request.Input, request.ReplyId) : null;

        var messages = new List<FlowTestMessage>();
        var path = new List<string>();
        string? skippedWait = null;
        FlowStep step;
        while (true)
        {
            step = FlowEngine.Step(flow, state, input, context);
            path.AddRange(step.Path);
            foreach (var action in step.Actions) Describe(action, messages);
            if (step.Outcome != FlowOutcomes.Timer || path.Count > 200) break;
            skippedWait = $"wait_skipped:{step.TimerSeconds}";
            state = step.State with { Phase = FlowState.Run };
            input = null;
        }
        var outcome = step.Outcome == FlowOutcomes.Timer ? FlowOutcomes.Waiting : step.Outcome;
        return TypedResults.Ok(new FlowTestResult(
            new FlowTestState(step.State.NodeId, step.State.Phase == FlowState.Input, step.State.Variables, step.State.Retries),
            [.. messages], outcome, step.Reason ?? skippedWait, [.. path]));
    }

    /// <summary>What the simulated customer would see, and what would be done (in brackets).</summary>
    private static void Describe(FlowAction action, List<FlowTestMessage> messages)
    {
        switch (action)
        {
            case FlowSend send:
                messages.Add(new FlowTestMessage(send.Text ?? "", [.. (send.Choices ?? []).Select(c => new FlowTestButton(c.Id, c.Title))],
                    send.Media?.Url));
                break;
            case FlowSendTemplate t:
                messages.Add(new FlowTestMessage($"[template {t.Name} ({t.Language})]", [], null));
                break;
            case FlowSetAttribute a:
                messages.Add(new FlowTestMessage($"[{a.Key} = {a.Value}]", [], null));
                break;
            case FlowHandOff h:
                messages.Add(new FlowTestMessage($"[handoff: {h.Reason}]", [], null));
                break;
            case FlowStartAi ai:
                messages.Add(new FlowTestMessage($"[AI agent {ai.AgentId}]", [], null));
                break;
            case FlowResolve:
                messages.Add(new FlowTestMessage("[resolved]", [], null));
                break;
        }
    }
}
