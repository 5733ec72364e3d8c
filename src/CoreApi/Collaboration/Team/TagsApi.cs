using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Team;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Collaboration;

/// <summary>The project's tag catalog (tagging a conversation is in ConversationWorkApi).</summary>
public static partial class TagsApi
{
    public static IEndpointRouteBuilder MapTagsApi(this IEndpointRouteBuilder app)
    {
        var tags = app.MapGroup("/projects/{projectId:long}/tags").WithTags("Team").RequirePermission(Permissions.ManageTags);
        tags.MapGet("", ListTags).RequirePermission(Permissions.ReadConversations);
        tags.MapPost("", CreateTag);
        tags.MapPatch("/{tagId:long}", UpdateTag);
        tags.MapDelete("/{tagId:long}", DeleteTag);
        return app;
    }

    private static CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    [GeneratedRegex("^#[0-9a-f]{6}$")]
    private static partial Regex Color();

    private static ProblemHttpResult? ValidateTag(TagRequest request, bool creating)
    {
        if (creating || request.Name is not null)
        {
            var name = request.Name?.Trim();
            if (string.IsNullOrEmpty(name) || name.Length > 50) return Refusals.Invalid("name", "invalid_tag_name", "A tag name has 1 to 50 characters.");
        }
        if ((creating || request.Color is not null) && (request.Color is null || !Color().IsMatch(request.Color)))
            return Refusals.Invalid("color", "invalid_color", "A colour is written #rrggbb in lower-case hex.");
        return null;
    }

    public static async Task<Ok<CatalogTag[]>> ListTags(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<CatalogTag>(Sql("select id, name, color, conversations from chat.list_tags(@projectId)", new { projectId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Results<Created<CatalogTag>, ProblemHttpResult>> CreateTag(long projectId, TagRequest request, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (ValidateTag(request, creating: true) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var tag = await connection.QuerySingleOrDefaultAsync<CatalogTag>(Sql(
            "select id, name, color, conversations from chat.create_tag(@projectId, @name, @color)",
            new { projectId, name = request.Name!.Trim(), color = request.Color }, ct));
        if (tag is null) return Refusals.Invalid("name", "tag_exists", "A tag with that name already exists.");
        await command.CommitAsync(ct);
        return TypedResults.Created($"/projects/{projectId}/tags/{tag.Id}", tag);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> UpdateTag(
        long projectId, long tagId, TagRequest request, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (ValidateTag(request, creating: false) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        try
        {
            var updated = await connection.ExecuteScalarAsync<bool>(Sql("select chat.update_tag(@projectId, @tagId, @name, @color)",
                new { projectId, tagId, name = request.Name?.Trim(), color = request.Color }, ct));
            if (!updated) return Refusals.NotFound();
            await command.CommitAsync(ct);
            return TypedResults.NoContent();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Refusals.Invalid("name", "tag_exists", "A tag with that name already exists.");
        }
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteTag(long projectId, long tagId, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        return await db.ExecuteCommandAsync(http, "select chat.delete_tag(@projectId, @tagId)", new { projectId, tagId }, ct)
            ? TypedResults.NoContent() : Refusals.NotFound();
    }
}
