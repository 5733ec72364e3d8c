using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.CoreApi.Errors;

namespace MultichannelMessages.CoreApi.Ai;

/// <summary>
/// AI agents' configuration and control (issue 14): the provider, agents with their drafts, versions, manuals and tool
/// secrets, where they answer, business hours, a conversation's AI state, risky tool approvals and the audit of model
/// turns. The Core API never calls the provider: the Worker runs the agents (440_ai_runtime.sql); everything here is
/// a database function of 442_ai_admin.sql, configuring writes in the command log.
/// </summary>
public static class AiApi
{
    public static IEndpointRouteBuilder MapAiApi(this IEndpointRouteBuilder app)
    {
        var ai = app.MapGroup("/projects/{projectId:long}/ai").WithTags("AI");
        ai.MapAiProvider();
        ai.MapAgents();
        ai.MapAgentDocuments();
        ai.MapActivations();
        ai.MapBusinessHours();
        ai.MapApprovals();
        ai.MapTestRuns();
        app.MapConversationAi();
        app.MapTurns();
        return app;
    }

    internal static Dapper.CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    /// <summary>The refusal codes of 442_ai_admin.sql, each on the field it is about.</summary>
    internal static ProblemHttpResult Refusal(string code) => code switch
    {
        "not_found" => Refusals.NotFound(),
        "name_taken" => Refusals.Invalid("name", code, "Another agent of this project has this name."),
        "draft_conflict" => Refusals.Problem(StatusCodes.Status409Conflict, code, "Someone saved this agent since you opened it: reload it to see their changes."),
        "agent_archived" => Refusals.Problem(StatusCodes.Status409Conflict, code, "The agent is archived: it can be read, not changed or activated."),
        "unknown_tool" => Refusals.Invalid("name", code, "Neither the draft nor the published version has a custom tool by this name."),
        "unknown_agent" => Refusals.Invalid("agentId", code, "That agent does not exist in this project."),
        "agent_not_published" => Refusals.Invalid("agentId", code, "Publish the agent first: an activation runs its published version."),
        "unknown_account" => Refusals.Invalid("accountId", code, "That account does not exist in this project (or is disconnected)."),
        "channel_mismatch" => Refusals.Invalid("channel", code, "The account is on another channel."),
        "unknown_queue" => Refusals.Invalid("queueId", code, "That queue does not exist in this project."),
        "activation_exists" => Refusals.Problem(StatusCodes.Status409Conflict, code,
            "An enabled activation has the same account, queue, channel and hours: disable or change it first."),
        "no_agent" => Refusals.Problem(StatusCodes.Status409Conflict, code,
            "No published agent answers this conversation: activate one for its number, queue or channel."),
        "approval_decided" => Refusals.Problem(StatusCodes.Status409Conflict, code, "This tool call has been decided already."),
        _ => Refusals.Problem(StatusCodes.Status409Conflict, code, code),
    };
}
