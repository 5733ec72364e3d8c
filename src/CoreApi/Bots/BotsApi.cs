using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.CoreApi.Errors;

namespace MultichannelMessages.CoreApi.Bots;

/// <summary>
/// Chatbot flows' administration (issue 15, docs/chatbots.md): flows with a draft checked by <see cref="FlowRules"/>,
/// immutable published versions, where they start (activations) and how their sessions ended. The Core API never runs
/// a flow: the Worker does (450_bot_runtime.sql); everything here is a database function of 452_bot_admin.sql,
/// configuring writes in the command log.
/// </summary>
public static class BotsApi
{
    /// <summary>Maps the chatbot routes; returns the <c>/projects/{projectId}/bots</c> group.</summary>
    public static RouteGroupBuilder MapBotsApi(this IEndpointRouteBuilder app)
    {
        var bots = app.MapGroup("/projects/{projectId:long}/bots").WithTags("Chatbots");
        bots.MapFlows();
        bots.MapFlowActivations();
        return bots;
    }

    internal static Dapper.CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    /// <summary>The refusal codes of 452_bot_admin.sql, each on the field it is about.</summary>
    internal static ProblemHttpResult Refusal(string code) => code switch
    {
        "not_found" => Refusals.NotFound(),
        "name_taken" => Refusals.Invalid("name", code, "Another flow of this project has this name."),
        "draft_conflict" => Refusals.Problem(StatusCodes.Status409Conflict, code, "Someone saved this flow since you opened it: reload it to see their changes."),
        "flow_archived" => Refusals.Problem(StatusCodes.Status409Conflict, code, "The flow is archived: it can be read, not changed or activated."),
        "unknown_flow" => Refusals.Invalid("flowId", code, "That flow does not exist in this project."),
        "flow_not_published" => Refusals.Invalid("flowId", code, "Publish the flow first: an activation runs its published version."),
        "unknown_account" => Refusals.Invalid("accountId", code, "That account does not exist in this project (or is disconnected)."),
        "channel_mismatch" => Refusals.Invalid("accountId", code, "The flow is not published for this account's channel: add the channel and publish again."),
        "keywords_required" => Refusals.Invalid("keywords", code, "A keyword entry lists at least one keyword."),
        "activation_exists" => Refusals.Problem(StatusCodes.Status409Conflict, code,
            "An enabled activation on this account already starts on this entry (the same keyword or referral): disable or change it first."),
        _ => Refusals.Problem(StatusCodes.Status409Conflict, code, code),
    };
}
