using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Projects;
using MultichannelMessages.CoreApi.Access;
using Npgsql;

namespace MultichannelMessages.CoreApi.Projects;

public static class ProjectsApi
{
    public static IEndpointRouteBuilder MapProjectsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/projects").WithTags("Projects").RequireProjectMember();
        group.MapGet("/", List).RequireSignedIn();
        group.MapGet("/{projectId:long}/accounts", Accounts);
        group.MapGet("/{projectId:long}/queues", Queues);
        return app;
    }

    public static Ok<ProjectSummary[]> List(Caller caller)
    {
        var user = caller.Access;
        return TypedResults.Ok(user.Projects.Values.OrderBy(p => p.ProjectName)
            .Select(p => new ProjectSummary(p.ProjectId, p.ProjectName, p.Role, p.Granted.Order().ToArray())).ToArray());
    }

    public static async Task<Results<Ok<AccountItem[]>, ProblemHttpResult>> Accounts(
        long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<AccountItem>(new CommandDefinition(
            "select id, channel, name, display_phone_number, quality_rating, messaging_limit from core.list_accounts(@projectId)",
            new { projectId }, cancellationToken: ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Results<Ok<QueueItem[]>, ProblemHttpResult>> Queues(
        long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<QueueItem>(new CommandDefinition(
            "select id, name from core.list_queues(@projectId)", new { projectId }, cancellationToken: ct));
        return TypedResults.Ok(rows.ToArray());
    }
}
