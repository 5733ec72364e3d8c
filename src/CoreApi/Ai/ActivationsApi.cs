using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Ai;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;
using static MultichannelMessages.CoreApi.Ai.AiApi;

namespace MultichannelMessages.CoreApi.Ai;

/// <summary>
/// Where agents answer: an activation ties a published agent to an account, a queue and/or a channel (each left out
/// means any), at some hours (always, in or out of the project's business hours), with who speaks first (bot, person,
/// or ask the customer). The Worker picks the most specific enabled match (bot.match_activations).
/// </summary>
public static class ActivationsApi
{
    private static readonly string[] Channels = ["whatsapp", "instagram", "messenger"];
    private static readonly string[] Hours = ["always", "in_hours", "out_of_hours"];
    private static readonly string[] Firsts = ["bot", "person", "ask"];

    public static RouteGroupBuilder MapActivations(this RouteGroupBuilder ai)
    {
        ai.MapGet("/activations", List).RequirePermission(Permissions.ReadAi);
        ai.MapPost("/activations", Create).RequirePermission(Permissions.ManageAi);
        ai.MapPut("/activations/{activationId:long}", Update).RequirePermission(Permissions.ManageAi);
        ai.MapDelete("/activations/{activationId:long}", Delete).RequirePermission(Permissions.ManageAi);
        return ai;
    }

    private static async Task<AiActivation[]> ListAsync(NpgsqlConnection connection, long projectId, CancellationToken ct) =>
        (await connection.QueryAsync<AiActivation>(Sql("""
            select id, agent_id, agent_name, account_id, queue_id, channel, hours, first, enabled from bot.ai_activation_list(@projectId)
            """, new { projectId }, ct))).ToArray();

    public static async Task<Ok<AiActivation[]>> List(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await ListAsync(connection, projectId, ct));
    }

    public static async Task<Results<Created<AiActivation>, ProblemHttpResult>> Create(long projectId, AiActivationRequest request, ProjectScope scope,
        HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var (item, problem) = await SaveAsync(projectId, null, request, scope, http, db, ct);
        return problem ?? (Results<Created<AiActivation>, ProblemHttpResult>)TypedResults.Created($"/projects/{projectId}/ai/activations/{item!.Id}", item);
    }

    /// <summary>The whole activation, as on create.</summary>
    public static async Task<Results<Ok<AiActivation>, ProblemHttpResult>> Update(long projectId, long activationId, AiActivationRequest request,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var (item, problem) = await SaveAsync(projectId, activationId, request, scope, http, db, ct);
        return problem ?? (Results<Ok<AiActivation>, ProblemHttpResult>)TypedResults.Ok(item!);
    }

    private static async Task<(AiActivation? Item, ProblemHttpResult? Problem)> SaveAsync(long projectId, long? activationId, AiActivationRequest request,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (request.AgentId is null) return (null, Refusals.Invalid("agentId", "required", "Choose the agent."));
        if (request.Channel is { } channel && !Channels.Contains(channel))
            return (null, Refusals.Invalid("channel", "invalid_channel", "A channel is whatsapp, instagram or messenger, or none for any."));
        var hours = request.Hours ?? "always";
        if (!Hours.Contains(hours)) return (null, Refusals.Invalid("hours", "invalid_hours", "Hours are always, in_hours or out_of_hours."));
        var first = request.First ?? "bot";
        if (!Firsts.Contains(first)) return (null, Refusals.Invalid("first", "invalid_first", "Who answers first is bot, person or ask."));
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var (id, refusal) = await connection.QuerySingleAsync<(long? Id, string? Refusal)>(Sql("""
            select activation_id, refusal
            from bot.save_ai_activation(@projectId, @activationId, @AgentId, @AccountId, @QueueId, @Channel, @hours, @first, @enabled, @userId)
            """, new { projectId, activationId, request.AgentId, request.AccountId, request.QueueId, request.Channel, hours, first,
                       enabled = request.Enabled ?? true, userId = scope.UserId }, ct));
        if (refusal is not null) return (null, Refusal(refusal));
        await command.CommitAsync(ct);
        return ((await ListAsync(connection, projectId, ct)).Single(a => a.Id == id), null);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(long projectId, long activationId, ProjectScope scope, HttpContext http,
        NpgsqlDataSource db, CancellationToken ct) =>
        await db.ExecuteCommandAsync(http, "select bot.delete_ai_activation(@projectId, @activationId, @userId)",
            new { projectId, activationId, userId = scope.UserId }, ct)
            ? TypedResults.NoContent() : Refusals.NotFound();
}
