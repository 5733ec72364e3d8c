using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Auth;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Collaboration;

/// <summary>The team around the inbox: presence, queues and their members, routing rules, the tag catalog.</summary>
public static partial class TeamApi
{
    public sealed record PresenceRequest(string? Status);
    public sealed record PresenceItem(long UserId, string DisplayName, string Role, string Status, DateTime? ChangedAt, DateTime? LastSeenAt,
        int OpenConversations);
    public sealed record MyPresence(string Status);
    public sealed record ProjectMember(long UserId, string DisplayName, string Role);
    public sealed record QueueRequest(string? Name, bool? AutoAssign, int? MaxOpenPerAgent);
    public sealed record QueueDetail(long Id, string Name, bool AutoAssign, int MaxOpenPerAgent);
    public sealed record QueueSetting(long Id, string Name, bool AutoAssign, int MaxOpenPerAgent, int Members);
    public sealed record MemberItem(long UserId, string DisplayName, DateTime? LastAssignedAt);
    public sealed record RuleRequest(long? QueueId, int? Position, string? Channel, string? Keyword, string? AttributeKey, string? AttributeValue);
    public sealed record RuleItem(long Id, long QueueId, int Position, string? Channel, string? Keyword, string? AttributeKey, string? AttributeValue);
    public sealed record TagRequest(string? Name, string? Color);
    public sealed record TagItem(long Id, string Name, string Color, int Conversations);

    private static readonly string[] Statuses = ["online", "away", "offline"];

    public static IEndpointRouteBuilder MapTeamApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/me/presence", GetPresence).WithTags("Team").RequireAuthorization();
        app.MapPut("/me/presence", SetPresence).WithTags("Team").RequireAuthorization();
        app.MapPost("/me/presence/seen", Seen).WithTags("Team").RequireAuthorization();
        var project = app.MapGroup("/projects/{projectId:long}").WithTags("Team").RequireAuthorization();
        project.MapGet("/presence", Presence);
        project.MapGet("/members", ProjectMembers);
        project.MapGet("/queue-settings", QueueSettings);
        project.MapPost("/queues", CreateQueue);
        project.MapGet("/queues/{queueId:long}", GetQueue);
        project.MapPatch("/queues/{queueId:long}", UpdateQueue);
        project.MapGet("/queues/{queueId:long}/members", Members);
        project.MapPut("/queues/{queueId:long}/members/{userId:long}", (long projectId, long queueId, long userId, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct) =>
            SetMember(projectId, queueId, userId, true, http, access, db, ct));
        project.MapDelete("/queues/{queueId:long}/members/{userId:long}", (long projectId, long queueId, long userId, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct) =>
            SetMember(projectId, queueId, userId, false, http, access, db, ct));
        project.MapGet("/routing-rules", Rules);
        project.MapPost("/routing-rules", AddRule);
        project.MapDelete("/routing-rules/{ruleId:long}", DeleteRule);
        project.MapGet("/tags", ListTags);
        project.MapPost("/tags", CreateTag);
        project.MapPatch("/tags/{tagId:long}", UpdateTag);
        project.MapDelete("/tags/{tagId:long}", DeleteTag);
        return app;
    }

    /// <summary>The caller's grants in the project when they hold the permission; else the refusal (404 outside the
    /// project, 403 inside it without the permission).</summary>
    internal static async Task<(ProjectAccess? Project, long UserId, ProblemHttpResult? Refusal)> InProjectAsync(
        long projectId, string permission, HttpContext http, AccessService access, CancellationToken ct)
    {
        var user = await access.ForAsync(http.User, ct);
        if (user?.In(projectId) is not { } project) return (null, 0, Refusals.NotFound());
        if (!project.Can(permission)) return (null, 0, Refusals.Forbidden(permission));
        return (project, user.UserId, null);
    }

    private static CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    // ── Presence ──────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>One's own presence, as the team sees it (an online one unseen for two minutes reads offline).</summary>
    public static async Task<Results<Ok<MyPresence>, ProblemHttpResult>> GetPresence(HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (TokenService.UserId(http.User) is not { } userId) return Refusals.Unauthorized("unauthenticated", "Sign in.");
        await using var connection = await db.OpenConnectionAsync(ct);
        var status = await connection.ExecuteScalarAsync<string>(Sql("""
            select coalesce((select case when last_seen_at < now() - interval '2 minutes' then 'offline' else status end
                             from core.presence where user_id = @userId), 'offline')
            """, new { userId }, ct));
        return TypedResults.Ok(new MyPresence(status!));
    }

    /// <summary>Who is in the project (to write to in internal chat): names and roles only, for any member. Presence
    /// and workload stay with <c>presence.read</c>.</summary>
    public static async Task<Results<Ok<ProjectMember[]>, ProblemHttpResult>> ProjectMembers(
        long projectId, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var (_, _, refusal) = await InProjectAsync(projectId, Permissions.InternalChat, http, access, ct);
        if (refusal is not null) return refusal;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<ProjectMember>(Sql("""
            select u.id as user_id, u.display_name, pm.role from core.project_members pm join core.users u on u.id = pm.user_id and u.is_active
            where pm.project_id = @projectId order by u.display_name, u.id
            """, new { projectId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> SetPresence(PresenceRequest request, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (TokenService.UserId(http.User) is not { } userId) return Refusals.Unauthorized("unauthenticated", "Sign in.");
        if (request.Status is not { } status || !Statuses.Contains(status))
            return Refusals.Invalid("status", "invalid_presence", "Presence is online, away or offline.");
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(Sql("select core.set_presence(@userId, @status)", new { userId, status }, ct));
        return TypedResults.NoContent();
    }

    /// <summary>The console says it is still open; an online agent unseen for two minutes counts as offline.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Seen(HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (TokenService.UserId(http.User) is not { } userId) return Refusals.Unauthorized("unauthenticated", "Sign in.");
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(Sql("select core.touch_presence(@userId)", new { userId }, ct));
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<PresenceItem[]>, ProblemHttpResult>> Presence(
        long projectId, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var (_, _, refusal) = await InProjectAsync(projectId, Permissions.ReadPresence, http, access, ct);
        if (refusal is not null) return refusal;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<PresenceItem>(Sql("""
            select user_id, display_name, role, status, changed_at, last_seen_at, open_conversations from core.team_presence(@projectId)
            """, new { projectId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    // ── Queues ────────────────────────────────────────────────────────────────────────────────────────────────

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
    public static async Task<Results<Ok<QueueSetting[]>, ProblemHttpResult>> QueueSettings(
        long projectId, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var (_, _, refusal) = await InProjectAsync(projectId, Permissions.ManageQueues, http, access, ct);
        if (refusal is not null) return refusal;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<QueueSetting>(Sql(
            "select id, name, auto_assign, max_open_per_agent, members from core.queue_settings(@projectId)", new { projectId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Results<Created<QueueDetail>, ProblemHttpResult>> CreateQueue(
        long projectId, QueueRequest request, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var (_, _, refusal) = await InProjectAsync(projectId, Permissions.ManageQueues, http, access, ct);
        if (refusal is not null) return refusal;
        if (ValidateQueue(request, creating: true) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        var queue = await connection.QuerySingleOrDefaultAsync<QueueDetail>(Sql("""
            insert into core.queues (project_id, name, auto_assign, max_open_per_agent)
            values (@projectId, @name, coalesce(@autoAssign, false), coalesce(@cap, 20))
            on conflict (project_id, name) do nothing
            returning id, name, auto_assign, max_open_per_agent
            """, new { projectId, name = request.Name!.Trim(), autoAssign = request.AutoAssign, cap = request.MaxOpenPerAgent }, ct));
        if (queue is null) return Refusals.Invalid("name", "queue_exists", "A queue with that name already exists.");
        return TypedResults.Created($"/projects/{projectId}/queues/{queue.Id}", queue);
    }

    public static async Task<Results<Ok<QueueDetail>, ProblemHttpResult>> GetQueue(
        long projectId, long queueId, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var (_, _, refusal) = await InProjectAsync(projectId, Permissions.ReadConversations, http, access, ct);
        if (refusal is not null) return refusal;
        await using var connection = await db.OpenConnectionAsync(ct);
        var queue = await connection.QuerySingleOrDefaultAsync<QueueDetail>(Sql(
            "select id, name, auto_assign, max_open_per_agent from core.queues where id = @queueId and project_id = @projectId", new { projectId, queueId }, ct));
        return queue is null ? Refusals.NotFound() : TypedResults.Ok(queue);
    }

    public static async Task<Results<Ok<QueueDetail>, ProblemHttpResult>> UpdateQueue(
        long projectId, long queueId, QueueRequest request, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var (_, _, refusal) = await InProjectAsync(projectId, Permissions.ManageQueues, http, access, ct);
        if (refusal is not null) return refusal;
        if (ValidateQueue(request, creating: false) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var queue = await connection.QuerySingleOrDefaultAsync<QueueDetail>(Sql("""
                update core.queues set name = coalesce(@name, name), auto_assign = coalesce(@autoAssign, auto_assign),
                                       max_open_per_agent = coalesce(@cap, max_open_per_agent)
                where id = @queueId and project_id = @projectId
                returning id, name, auto_assign, max_open_per_agent
                """, new { projectId, queueId, name = request.Name?.Trim(), autoAssign = request.AutoAssign, cap = request.MaxOpenPerAgent }, ct));
            if (queue is null) return Refusals.NotFound();
            if (queue.AutoAssign) await connection.ExecuteAsync("select pg_notify('assignment', '')");
            return TypedResults.Ok(queue);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Refusals.Invalid("name", "queue_exists", "A queue with that name already exists.");
        }
    }

    public static async Task<Results<Ok<MemberItem[]>, ProblemHttpResult>> Members(
        long projectId, long queueId, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var (_, _, refusal) = await InProjectAsync(projectId, Permissions.ReadConversations, http, access, ct);
        if (refusal is not null) return refusal;
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await QueueInProjectAsync(connection, projectId, queueId, ct)) return Refusals.NotFound();
        var rows = await connection.QueryAsync<MemberItem>(Sql("""
            select qm.user_id, u.display_name, qm.last_assigned_at from core.queue_members qm join core.users u on u.id = qm.user_id
            where qm.queue_id = @queueId order by u.display_name
            """, new { queueId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    /// <summary>Membership decides what an agent sees: every Core API instance drops the user's cached access.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> SetMember(
        long projectId, long queueId, long userId, bool member, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var (_, _, refusal) = await InProjectAsync(projectId, Permissions.ManageQueues, http, access, ct);
        if (refusal is not null) return refusal;
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await QueueInProjectAsync(connection, projectId, queueId, ct)) return Refusals.NotFound();
        if (member && !await connection.ExecuteScalarAsync<bool>(Sql(
                "select exists (select 1 from core.project_members where project_id = @projectId and user_id = @userId)", new { projectId, userId }, ct)))
            return Refusals.Invalid("userId", "unknown_member", "That person is not a member of this project.");
        await connection.ExecuteAsync(Sql(member
            ? "insert into core.queue_members (queue_id, user_id) values (@queueId, @userId) on conflict do nothing"
            : "delete from core.queue_members where queue_id = @queueId and user_id = @userId", new { queueId, userId }, ct));
        await connection.ExecuteAsync(Sql("select ops.invalidate(@projectId, 'access', @user); select pg_notify('assignment', '')",
            new { projectId, user = userId.ToString(System.Globalization.CultureInfo.InvariantCulture) }, ct));
        return TypedResults.NoContent();
    }

    private static Task<bool> QueueInProjectAsync(NpgsqlConnection connection, long projectId, long queueId, CancellationToken ct) =>
        connection.ExecuteScalarAsync<bool>(Sql("select exists (select 1 from core.queues where id = @queueId and project_id = @projectId)",
            new { projectId, queueId }, ct));

    // ── Routing rules ─────────────────────────────────────────────────────────────────────────────────────────

    public static async Task<Results<Ok<RuleItem[]>, ProblemHttpResult>> Rules(
        long projectId, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var (_, _, refusal) = await InProjectAsync(projectId, Permissions.ManageQueues, http, access, ct);
        if (refusal is not null) return refusal;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<RuleItem>(Sql("""
            select id, queue_id, position, channel, keyword, attribute_key, attribute_value from core.routing_rules
            where project_id = @projectId order by position, id
            """, new { projectId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Results<Created<RuleItem>, ProblemHttpResult>> AddRule(
        long projectId, RuleRequest request, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var (_, userId, refusal) = await InProjectAsync(projectId, Permissions.ManageQueues, http, access, ct);
        if (refusal is not null) return refusal;
        if (request.QueueId is not { } queueId) return Refusals.Invalid("queueId", "queue_required", "Choose the queue the rule routes to.");
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
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await QueueInProjectAsync(connection, projectId, queueId, ct))
            return Refusals.Invalid("queueId", "unknown_queue", "That queue does not exist in this project.");
        var rule = await connection.QuerySingleAsync<RuleItem>(Sql("""
            insert into core.routing_rules (project_id, queue_id, position, channel, keyword, attribute_key, attribute_value, created_by)
            values (@projectId, @queueId, coalesce(@position, 0), @channel, @keyword, @attributeKey, @attributeValue, @userId)
            returning id, queue_id, position, channel, keyword, attribute_key, attribute_value
            """, new { projectId, queueId, position = request.Position, channel = request.Channel, keyword = request.Keyword?.Trim(),
                       attributeKey = request.AttributeKey, attributeValue = request.AttributeValue, userId }, ct));
        return TypedResults.Created($"/projects/{projectId}/routing-rules/{rule.Id}", rule);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteRule(
        long projectId, long ruleId, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var (_, _, refusal) = await InProjectAsync(projectId, Permissions.ManageQueues, http, access, ct);
        if (refusal is not null) return refusal;
        await using var connection = await db.OpenConnectionAsync(ct);
        var deleted = await connection.ExecuteAsync(Sql("delete from core.routing_rules where id = @ruleId and project_id = @projectId", new { projectId, ruleId }, ct));
        return deleted == 0 ? Refusals.NotFound() : TypedResults.NoContent();
    }

    // ── Tag catalog ───────────────────────────────────────────────────────────────────────────────────────────

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

    public static async Task<Results<Ok<TagItem[]>, ProblemHttpResult>> ListTags(
        long projectId, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var (_, _, refusal) = await InProjectAsync(projectId, Permissions.ReadConversations, http, access, ct);
        if (refusal is not null) return refusal;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<TagItem>(Sql("select id, name, color, conversations from chat.list_tags(@projectId)", new { projectId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Results<Created<TagItem>, ProblemHttpResult>> CreateTag(
        long projectId, TagRequest request, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var (_, _, refusal) = await InProjectAsync(projectId, Permissions.ManageTags, http, access, ct);
        if (refusal is not null) return refusal;
        if (ValidateTag(request, creating: true) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var tag = await connection.QuerySingleAsync<TagItem>(Sql("""
                insert into chat.tags (project_id, name, color) values (@projectId, @name, @color) returning id, name, color, 0 as conversations
                """, new { projectId, name = request.Name!.Trim(), color = request.Color }, ct));
            return TypedResults.Created($"/projects/{projectId}/tags/{tag.Id}", tag);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Refusals.Invalid("name", "tag_exists", "A tag with that name already exists.");
        }
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> UpdateTag(
        long projectId, long tagId, TagRequest request, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var (_, _, refusal) = await InProjectAsync(projectId, Permissions.ManageTags, http, access, ct);
        if (refusal is not null) return refusal;
        if (ValidateTag(request, creating: false) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var updated = await connection.ExecuteAsync(Sql("""
                update chat.tags set name = coalesce(@name, name), color = coalesce(@color, color) where id = @tagId and project_id = @projectId
                """, new { projectId, tagId, name = request.Name?.Trim(), color = request.Color }, ct));
            return updated == 0 ? Refusals.NotFound() : TypedResults.NoContent();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Refusals.Invalid("name", "tag_exists", "A tag with that name already exists.");
        }
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteTag(
        long projectId, long tagId, HttpContext http, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var (_, _, refusal) = await InProjectAsync(projectId, Permissions.ManageTags, http, access, ct);
        if (refusal is not null) return refusal;
        await using var connection = await db.OpenConnectionAsync(ct);
        var deleted = await connection.ExecuteAsync(Sql("delete from chat.tags where id = @tagId and project_id = @projectId", new { projectId, tagId }, ct));
        return deleted == 0 ? Refusals.NotFound() : TypedResults.NoContent();
    }
}
