using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Team;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Collaboration;

/// <summary>Queues, their assignment settings and their members.</summary>
public static class QueuesApi
{
    public static IEndpointRouteBuilder MapQueuesApi(this IEndpointRouteBuilder app)
    {
        var project = app.MapGroup("/projects/{projectId:long}").WithTags("Team").RequirePermission(Permissions.ManageQueues);
        project.MapGet("/queue-settings", QueueSettings);
        project.MapPost("/queues", CreateQueue);
        project.MapGet("/queues/{queueId:long}", GetQueue).RequirePermission(Permissions.ReadConversations);
        project.MapPatch("/queues/{queueId:long}", UpdateQueue);
        project.MapGet("/queues/{queueId:long}/members", Members).RequirePermission(Permissions.ReadConversations);
        project.MapPut("/queues/{queueId:long}/members/{userId:long}", (long projectId, long queueId, long userId, HttpContext http, NpgsqlDataSource db, CancellationToken ct) =>
            SetMember(projectId, queueId, userId, true, http, db, ct));
        project.MapDelete("/queues/{queueId:long}/members/{userId:long}", (long projectId, long queueId, long userId, HttpContext http, NpgsqlDataSource db, CancellationToken ct) =>
            SetMember(projectId, queueId, userId, false, http, db, ct));
        return app;
    }

    private static CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    private static ProblemHttpResult? ValidateQueue(QueueRequest request, bool creating)
    {
        if (creating || request.Name is not null)
        {
            var name = request.Name?.Trim();
            if (string.IsNullOrEmpty(name) || name.Length > 80) return Refusals.Invalid("name", "invalid_queue_name", "A queue name has 1 to 80 characters.");
        }
        if (request.MaxOpenPerAgent is < 1 or > 1000)
            return Refusals.Invalid("maxOpenPerAgent", "invalid_cap", "The cap of open conversations per agent is between 1 and 1000.");
        return null;
    }

    /// <summary>Every queue with its assignment settings and member count, for whoever manages queues.</summary>
    public static async Task<Ok<QueueSetting[]>> QueueSettings(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<QueueSetting>(Sql(
            "select id, name, auto_assign, max_open_per_agent, members from core.queue_settings(@projectId)", new { projectId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Results<Created<QueueDetail>, ProblemHttpResult>> CreateQueue(
        long projectId, QueueRequest request, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (ValidateQueue(request, creating: true) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var queue = await connection.QuerySingleOrDefaultAsync<QueueDetail>(Sql(
            "select id, name, auto_assign, max_open_per_agent from core.create_queue(@projectId, @name, @autoAssign, @cap)",
            new { projectId, name = request.Name!.Trim(), autoAssign = request.AutoAssign, cap = request.MaxOpenPerAgent }, ct));
        if (queue is null) return Refusals.Invalid("name", "queue_exists", "A queue with that name already exists.");
        await command.CommitAsync(ct);
        return TypedResults.Created($"/projects/{projectId}/queues/{queue.Id}", queue);
    }

    public static async Task<Results<Ok<QueueDetail>, ProblemHttpResult>> GetQueue(long projectId, long queueId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var queue = await connection.QuerySingleOrDefaultAsync<QueueDetail>(Sql(
            "select id, name, auto_assign, max_open_per_agent from core.queue_detail(@projectId, @queueId)", new { projectId, queueId }, ct));
        return queue is null ? Refusals.NotFound() : TypedResults.Ok(queue);
    }

    public static async Task<Results<Ok<QueueDetail>, ProblemHttpResult>> UpdateQueue(
        long projectId, long queueId, QueueRequest request, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (ValidateQueue(request, creating: false) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        try
        {
            var queue = await connection.QuerySingleOrDefaultAsync<QueueDetail>(Sql(
                "select id, name, auto_assign, max_open_per_agent from core.update_queue(@projectId, @queueId, @name, @autoAssign, @cap)",
                new { projectId, queueId, name = request.Name?.Trim(), autoAssign = request.AutoAssign, cap = request.MaxOpenPerAgent }, ct));
            if (queue is null) return Refusals.NotFound();
            await command.CommitAsync(ct);
            return TypedResults.Ok(queue);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Refusals.Invalid("name", "queue_exists", "A queue with that name already exists.");
        }
    }

    public static async Task<Results<Ok<MemberItem[]>, ProblemHttpResult>> Members(long projectId, long queueId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await connection.ExecuteScalarAsync<bool>(Sql("select core.queue_in_project(@projectId, @queueId)", new { projectId, queueId }, ct)))
            return Refusals.NotFound();
        var rows = await connection.QueryAsync<MemberItem>(Sql(
            "select user_id, display_name, last_assigned_at from core.list_queue_members(@queueId)", new { queueId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    /// <summary>Membership decides what an agent sees: the function has every Core API instance drop the user's cached
    /// grants.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> SetMember(
        long projectId, long queueId, long userId, bool member, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        switch (await connection.ExecuteScalarAsync<string>(Sql("select core.set_queue_member(@projectId, @queueId, @userId, @member)",
                    new { projectId, queueId, userId, member }, ct)))
        {
            case "not_found": return Refusals.NotFound();
            case "unknown_member": return Refusals.Invalid("userId", "unknown_member", "That person is not a member of this project.");
        }
        await command.CommitAsync(ct);
        return TypedResults.NoContent();
    }
}
