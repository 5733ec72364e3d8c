using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Ai;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using MultichannelMessages.Platform.Secrets;
using Npgsql;
using static MultichannelMessages.CoreApi.Ai.AiApi;

namespace MultichannelMessages.CoreApi.Ai;

/// <summary>
/// Agents: a draft saved over the revision the editor started from (a stale save is refused, draft_conflict, rather
/// than overwriting a colleague's work), checked by <see cref="AgentDefinitionRules"/> on save and again on publish,
/// which copies it into the next immutable version. Custom tools' secrets are set apart, encrypted, and never read back.
/// </summary>
public static partial class AgentsApi
{
    public static RouteGroupBuilder MapAgents(this RouteGroupBuilder ai)
    {
        var agents = ai.MapGroup("/agents");
        agents.MapGet("", List).RequirePermission(Permissions.ReadAi);
        agents.MapPost("", Create).RequirePermission(Permissions.ManageAi);
        agents.MapGet("/{agentId:long}", Get).RequirePermission(Permissions.ReadAi);
        agents.MapPut("/{agentId:long}", SaveDraft).RequirePermission(Permissions.ManageAi);
        agents.MapPost("/{agentId:long}/publish", Publish).RequirePermission(Permissions.ManageAi);
        agents.MapGet("/{agentId:long}/versions", Versions).RequirePermission(Permissions.ReadAi);
        agents.MapPost("/{agentId:long}/archive", Archive).RequirePermission(Permissions.ManageAi);
        agents.MapPut("/{agentId:long}/tools/{name}/secret", SetToolSecret).RequirePermission(Permissions.ManageAi);
        return ai;
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")] private static partial Regex ToolName();

    // Dapper maps arrays through settable properties only, not record constructors.
    private sealed class DetailRow
    {
        public long Id { get; set; }
        public string Name { get; set; } = "";
        public int DraftRevision { get; set; }
        public string Draft { get; set; } = "";
        public int? PublishedVersion { get; set; }
        public string? Published { get; set; }
        public DateTime? PublishedAt { get; set; }
        public bool Archived { get; set; }
        public string[] ToolsWithSecret { get; set; } = [];
    }

    internal static async Task<AgentDetail?> ReadAsync(NpgsqlConnection connection, long projectId, long agentId, CancellationToken ct) =>
        await connection.QuerySingleOrDefaultAsync<DetailRow>(Sql("""
            select id, name, draft_revision, draft, published_version, published, published_at, archived, tools_with_secret
            from bot.ai_agent_detail(@projectId, @agentId)
            """, new { projectId, agentId }, ct)) is { } r
            ? new AgentDetail(r.Id, r.Name, r.DraftRevision, r.Draft, r.PublishedVersion, r.Published, r.PublishedAt, r.Archived, r.ToolsWithSecret)
            : null;

    /// <summary>Whether the agent is this project's: another project's agent answers 404 like a missing one.</summary>
    internal static async Task<bool> InProjectAsync(NpgsqlConnection connection, long projectId, long agentId, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<long?>(Sql("select bot.ai_agent_scope(@agentId)", new { agentId }, ct)) == projectId;

    private static async Task<IReadOnlySet<long>> QueuesAsync(NpgsqlConnection connection, long projectId, CancellationToken ct) =>
        (await connection.QueryAsync<long>(Sql("select id from core.queues where project_id = @projectId", new { projectId }, ct))).ToHashSet();

    /// <summary>The definition checked and serialized as stored (camelCase, web defaults), or the field at fault.</summary>
    private static async Task<(string? Json, ProblemHttpResult? Problem)> CheckAsync(NpgsqlConnection connection, long projectId,
        AgentDefinition? definition, CancellationToken ct)
    {
        var (normalized, problem) = AgentDefinitionRules.Check(definition, await QueuesAsync(connection, projectId, ct));
        return problem is not null
            ? (null, Refusals.Invalid(problem.Field, problem.Code, problem.Detail))
            : (JsonSerializer.Serialize(normalized, JsonSerializerOptions.Web), null);
    }

    private static string? Name(string? name) => name?.Trim() is { Length: > 0 and <= 80 } trimmed ? trimmed : null;

    private static ProblemHttpResult InvalidName() => Refusals.Invalid("name", "invalid_name", "An agent's name has 1 to 80 characters.");

    public static async Task<Ok<AgentSummary[]>> List(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok((await connection.QueryAsync<AgentSummary>(Sql("""
            select id, name, draft_revision, published_version, published_at, archived, updated_at from bot.ai_agent_list(@projectId)
            """, new { projectId }, ct))).ToArray());
    }

    public static async Task<Results<Ok<AgentDetail>, ProblemHttpResult>> Get(long projectId, long agentId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await ReadAsync(connection, projectId, agentId, ct) is { } agent ? TypedResults.Ok(agent) : Refusals.NotFound();
    }

    /// <summary>A new agent with its draft; without a definition, <see cref="AgentDefinitionRules.Default"/>.</summary>
    public static async Task<Results<Created<AgentDetail>, ProblemHttpResult>> Create(long projectId, AgentDraftRequest request, ProjectScope scope,
        HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (Name(request.Name) is not { } name) return InvalidName();
        await using var connection = await db.OpenConnectionAsync(ct);
        var (draft, problem) = await CheckAsync(connection, projectId, request.Definition ?? AgentDefinitionRules.Default(), ct);
        if (problem is not null) return problem;
        await using var command = await connection.BeginCommandAsync(http, ct);
        var (id, refusal) = await connection.QuerySingleAsync<(long? Id, string? Refusal)>(Sql(
            "select agent_id, refusal from bot.create_ai_agent(@projectId, @name, @draft::jsonb, @userId)",
            new { projectId, name, draft, userId = scope.UserId }, ct));
        if (refusal is not null) return Refusal(refusal);
        await command.CommitAsync(ct);
        return TypedResults.Created($"/projects/{projectId}/ai/agents/{id}", (await ReadAsync(connection, projectId, id!.Value, ct))!);
    }

    /// <summary>Saves the draft (and the name) over <see cref="AgentDraftRequest.Revision"/>; a definition left out keeps
    /// the draft (a rename).</summary>
    public static async Task<Results<Ok<AgentDetail>, ProblemHttpResult>> SaveDraft(long projectId, long agentId, AgentDraftRequest request,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (request.Revision is not { } revision)
            return Refusals.Invalid("revision", "required", "Give the draft revision you started from (draftRevision).");
        var name = Name(request.Name);
        if (request.Name is not null && name is null) return InvalidName();
        await using var connection = await db.OpenConnectionAsync(ct);
        string? draft = null;
        if (request.Definition is not null)
        {
            (draft, var problem) = await CheckAsync(connection, projectId, request.Definition, ct);
            if (problem is not null) return problem;
        }
        await using var command = await connection.BeginCommandAsync(http, ct);
        var refusal = await connection.ExecuteScalarAsync<string?>(Sql(
            "select bot.save_ai_agent_draft(@projectId, @agentId, @name, @draft::jsonb, @revision, @userId)",
            new { projectId, agentId, name, draft, revision, userId = scope.UserId }, ct));
        if (refusal is not null) return Refusal(refusal);
        await command.CommitAsync(ct);
        return TypedResults.Ok((await ReadAsync(connection, projectId, agentId, ct))!);
    }

    /// <summary>The draft as it is now becomes the next version, once it passes the same checks as a save.</summary>
    public static async Task<Results<Ok<AgentDetail>, ProblemHttpResult>> Publish(long projectId, long agentId, ProjectScope scope, HttpContext http,
        NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await ReadAsync(connection, projectId, agentId, ct) is not { } agent) return Refusals.NotFound();
        AgentDefinition? definition;
        try { definition = JsonSerializer.Deserialize<AgentDefinition>(agent.Draft, JsonSerializerOptions.Web); }
        catch (JsonException) { return Refusals.Invalid("definition", "invalid_definition", "The draft is not an agent definition: save it again."); }
        var (_, problem) = await CheckAsync(connection, projectId, definition, ct);
        if (problem is not null) return problem;
        await using var command = await connection.BeginCommandAsync(http, ct);
        // The revision checked: a save landing between the check and the publish is refused, never published unchecked.
        var (_, refusal) = await connection.QuerySingleAsync<(int? Version, string? Refusal)>(Sql(
            "select version, refusal from bot.publish_ai_agent(@projectId, @agentId, @revision, @userId)",
            new { projectId, agentId, revision = agent.DraftRevision, userId = scope.UserId }, ct));
        if (refusal is not null) return Refusal(refusal);
        await command.CommitAsync(ct);
        return TypedResults.Ok((await ReadAsync(connection, projectId, agentId, ct))!);
    }

    public static async Task<Results<Ok<AgentVersionItem[]>, ProblemHttpResult>> Versions(long projectId, long agentId, NpgsqlDataSource db,
        CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await InProjectAsync(connection, projectId, agentId, ct)) return Refusals.NotFound();
        return TypedResults.Ok((await connection.QueryAsync<AgentVersionItem>(Sql("""
            select id, version, published_at, published_by, published_by_name from bot.ai_agent_versions_of(@projectId, @agentId)
            """, new { projectId, agentId }, ct))).ToArray());
    }

    /// <summary>The agent stops answering anywhere (its activations are disabled); it stays readable, with its versions.</summary>
    public static async Task<Results<Ok<AgentDetail>, ProblemHttpResult>> Archive(long projectId, long agentId, ProjectScope scope, HttpContext http,
        NpgsqlDataSource db, CancellationToken ct)
    {
        if (!await db.ExecuteCommandAsync(http, "select bot.archive_ai_agent(@projectId, @agentId, @userId)",
                new { projectId, agentId, userId = scope.UserId }, ct))
            return Refusals.NotFound();
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok((await ReadAsync(connection, projectId, agentId, ct))!);
    }

    /// <summary>A custom tool's bearer token, API key or basic-auth password; an empty secret removes it.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> SetToolSecret(long projectId, long agentId, string name, ToolSecretRequest request,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, SecretProtector protector, CancellationToken ct)
    {
        if (!ToolName().IsMatch(name)) return Refusals.Invalid("name", "invalid_tool_name", "A tool's name has 1 to 64 letters, digits, '_' or '-'.");
        if (request.Secret is not { } secret) return Refusals.Invalid("secret", "required", "Give the secret, or an empty one to remove it.");
        if (secret.Length > 4096) return Refusals.Invalid("secret", "invalid_secret", "A secret has at most 4,096 characters.");
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var refusal = await connection.ExecuteScalarAsync<string?>(Sql(
            "select bot.set_ai_tool_secret(@projectId, @agentId, @name, @secretEnc, @userId)",
            new
            {
                projectId, agentId, name, userId = scope.UserId,
                secretEnc = secret.Length == 0 ? null : protector.Protect(secret, SecretPlace.AiToolSecret(agentId, name)),
            }, ct));
        if (refusal is not null) return Refusal(refusal);
        await command.CommitAsync(ct);
        return TypedResults.NoContent();
    }
}
