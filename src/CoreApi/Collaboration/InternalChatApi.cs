using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.InternalChat;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Collaboration;

/// <summary>
/// Internal chat: rooms and direct messages among a project's agents, Meta-independent and ephemeral (the Worker
/// purges messages after five days). A room is visible only to its members (404 to anyone else); pushes go to them
/// alone. A message may carry a card linking to a customer conversation the author can see; a member who cannot see
/// it reads the message without the card.
/// </summary>
public static class InternalChatApi
{
    private const int MaxLength = 4000;

    public static IEndpointRouteBuilder MapInternalChatApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/projects/{projectId:long}/internal").WithTags("Internal chat").RequirePermission(Permissions.InternalChat);
        group.MapGet("/rooms", Rooms);
        group.MapPost("/rooms", CreateRoom);
        group.MapPost("/direct", Direct);
        group.MapGet("/rooms/{roomId:long}/messages", Messages);
        group.MapPost("/rooms/{roomId:long}/messages", Post);
        return app;
    }

    private static CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    public static async Task<Results<Ok<RoomItem[]>, ProblemHttpResult>> Rooms(
        long projectId, ProjectScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        var userId = scope.UserId;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<RoomItem>(Sql(
            "select id, kind, name, members, last_message_at, last_message_preview from internal.list_rooms(@projectId, @userId)", new { projectId, userId }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Results<Created<RoomCreated>, ProblemHttpResult>> CreateRoom(
        long projectId, RoomRequest request, ProjectScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        var userId = scope.UserId;
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 80) return Refusals.Invalid("name", "invalid_room_name", "A room name has 1 to 80 characters.");
        var members = request.MemberIds ?? [];
        if (members.Length > 500) return Refusals.Invalid("memberIds", "too_many_members", "A room holds at most 500 people.");
        await using var connection = await db.OpenConnectionAsync(ct);
        var strangers = await connection.ExecuteScalarAsync<int>(Sql("""
            select count(*)::int from unnest(@members::bigint[]) m(id)
            where not exists (select 1 from core.project_members pm where pm.project_id = @projectId and pm.user_id = m.id)
            """, new { projectId, members }, ct));
        if (strangers > 0) return Refusals.Invalid("memberIds", "unknown_member", "Everyone in a room must be a member of this project.");
        var id = await connection.ExecuteScalarAsync<long>(Sql("select internal.create_room(@projectId, @name, @userId, @members)",
            new { projectId, name, userId, members }, ct));
        return TypedResults.Created($"/projects/{projectId}/internal/rooms/{id}", new RoomCreated(id));
    }

    public static async Task<Results<Ok<RoomCreated>, ProblemHttpResult>> Direct(
        long projectId, DirectRequest request, ProjectScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        var userId = scope.UserId;
        if (request.UserId is not { } other || other == userId)
            return Refusals.Invalid("userId", "invalid_direct_peer", "Choose someone else to write to.");
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await connection.ExecuteScalarAsync<bool>(Sql(
                "select exists (select 1 from core.project_members where project_id = @projectId and user_id = @other)", new { projectId, other }, ct)))
            return Refusals.Invalid("userId", "unknown_member", "That person is not a member of this project.");
        var id = await connection.ExecuteScalarAsync<long>(Sql("select internal.direct_room(@projectId, @userId, @other)", new { projectId, userId, other }, ct));
        return TypedResults.Ok(new RoomCreated(id));
    }

    public static async Task<Results<Ok<InternalMessage[]>, ProblemHttpResult>> Messages(
        long projectId, long roomId, long? before, int? limit, ProjectScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        var userId = scope.UserId;
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await IsMemberAsync(connection, projectId, roomId, userId, ct)) return Refusals.NotFound();
        var rows = await connection.QueryAsync<InternalMessage>(Sql("""
            select id, author_user_id, author_name, body, created_at, card_conversation_id, card_contact_name, card_channel
            from internal.room_messages(@roomId, @userId, @before, @size)
            """, new { roomId, userId, before, size = Math.Clamp(limit ?? 50, 1, 200) }, ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Results<Created<InternalMessage>, ProblemHttpResult>> Post(
        long projectId, long roomId, PostRequest request, ProjectScope scope, AccessService access, NpgsqlDataSource db, CancellationToken ct)
    {
        var userId = scope.UserId;
        var text = request.Text?.Trim();
        if (string.IsNullOrEmpty(text)) return Refusals.Invalid("text", "empty_message", "Write something before sending.");
        if (text.Length > MaxLength) return Refusals.Invalid("text", "message_too_long", $"At most {MaxLength} characters; this has {text.Length}.");
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await IsMemberAsync(connection, projectId, roomId, userId, ct)) return Refusals.NotFound();
        if (request.ConversationId is { } conversationId
            && (await access.ConversationAsync(scope.User, conversationId, ct) is not { } card || card.ProjectId != projectId))
            return Refusals.Invalid("conversationId", "unknown_conversation", "The card must link a conversation of this project you can see.");
        var id = await connection.ExecuteScalarAsync<long>(Sql("select internal.post_message(@roomId, @userId, @text, @conversationId)",
            new { roomId, userId, text, conversationId = request.ConversationId }, ct));
        var message = await connection.QuerySingleAsync<InternalMessage>(Sql("""
            select id, author_user_id, author_name, body, created_at, card_conversation_id, card_contact_name, card_channel
            from internal.room_messages(@roomId, @userId, @before, 1)
            """, new { roomId, userId, before = id + 1 }, ct));
        return TypedResults.Created($"/projects/{projectId}/internal/rooms/{roomId}/messages/{id}", message);
    }

    private static Task<bool> IsMemberAsync(NpgsqlConnection connection, long projectId, long roomId, long userId, CancellationToken ct) =>
        connection.ExecuteScalarAsync<bool>(Sql("select internal.is_room_member(@projectId, @roomId, @userId)", new { projectId, roomId, userId }, ct));
}
