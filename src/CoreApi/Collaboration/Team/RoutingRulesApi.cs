using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Team;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Collaboration;

/// <summary>Which queue a new conversation lands in: rules on channel, keyword or a customer attribute, in order.</summary>
public static class RoutingRulesApi
{
    private const string Columns = "id, queue_id, position, channel, keyword, attribute_key, attribute_value";

    public static IEndpointRouteBuilder MapRoutingRulesApi(this IEndpointRouteBuilder app)
    {
        var rules = app.MapGroup("/projects/{projectId:long}/routing-rules").WithTags("Team").RequirePermission(Permissions.ManageQueues);
        rules.MapGet("", Rules);
        rules.MapPost("", AddRule);
        rules.MapDelete("/{ruleId:long}", DeleteRule);
        return app;
    }

    private static CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    public static async Task<Ok<RuleItem[]>> Rules(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<RuleItem>(Sql($"select {Columns} from core.list_routing_rules(@projectId)", new { projectId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    private static ProblemHttpResult? Validate(RuleRequest request)
    {
        if (request.QueueId is null) return Refusals.Invalid("queueId", "queue_required", "Choose the queue the rule routes to.");
        if (request.Channel is not (null or "whatsapp" or "messenger" or "instagram"))
            return Refusals.Invalid("channel", "invalid_channel", "Channel must be whatsapp, messenger or instagram.");
        if (request.Keyword is { } keyword && (keyword.Trim().Length == 0 || keyword.Length > 100))
            return Refusals.Invalid("keyword", "invalid_keyword", "A keyword has 1 to 100 characters.");
        if ((request.AttributeKey is null) != (request.AttributeValue is null))
            return Refusals.Invalid("attributeValue", "incomplete_attribute", "An attribute rule needs both the attribute and its value.");
        if (request.AttributeKey is { Length: 0 or > 100 }) return Refusals.Invalid("attributeKey", "invalid_attribute_key", "Attribute names have 1 to 100 characters.");
        if (request.AttributeValue is { Length: 0 or > 500 }) return Refusals.Invalid("attributeValue", "attribute_too_long", "An attribute value has 1 to 500 characters.");
        if (request.Channel is null && request.Keyword is null && request.AttributeKey is null)
            return Refusals.Invalid("channel", "empty_rule", "A rule matches on a channel, a keyword or a customer attribute.");
        return null;
    }

    public static async Task<Results<Created<RuleItem>, ProblemHttpResult>> AddRule(
        long projectId, RuleRequest request, ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (Validate(request) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var rule = await connection.QuerySingleOrDefaultAsync<RuleItem>(Sql($"""
            select {Columns}
            from core.add_routing_rule(@projectId, @queueId, @position, @channel, @keyword, @attributeKey, @attributeValue, @userId)
            """, new { projectId, queueId = request.QueueId, position = request.Position, channel = request.Channel, keyword = request.Keyword?.Trim(),
                       attributeKey = request.AttributeKey, attributeValue = request.AttributeValue, scope.UserId }, ct));
        if (rule is null) return Refusals.Invalid("queueId", "unknown_queue", "That queue does not exist in this project.");
        await command.CommitAsync(ct);
        return TypedResults.Created($"/projects/{projectId}/routing-rules/{rule.Id}", rule);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteRule(long projectId, long ruleId, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        return await db.ExecuteCommandAsync(http, "select core.delete_routing_rule(@projectId, @ruleId)", new { projectId, ruleId }, ct)
            ? TypedResults.NoContent() : Refusals.NotFound();
    }
}
