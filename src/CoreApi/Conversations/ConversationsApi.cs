using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Conversations;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Caching;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Conversations;

public static class ConversationsApi
{
    public static IEndpointRouteBuilder MapConversationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/projects/{projectId:long}/conversations", List).WithTags("Conversations").RequirePermission(Permissions.ReadConversations);
        var group = app.MapGroup("/conversations/{conversationId:long}").WithTags("Conversations").RequirePermission(Permissions.ReadConversations);
        group.MapGet("/messages", ThreadApi.Page);
        group.MapGet("/messages/{messageId:long}", ThreadApi.Message);
        group.MapPost("/messages", SendApi.Send).RequirePermission(Permissions.Reply);
        group.MapPost("/read", SendApi.MarkRead);
        group.MapGet("/window", Window.WindowApi.Read);
        return app;
    }

    public static async Task<Results<Ok<Page<ConversationItem>>, ProblemHttpResult>> List(
        long projectId, long? accountId, string? channel, long? queueId, string? status, bool? unread, bool? mine, string? before, int? limit,
        ProjectScope scope, VersionedCache cache, NpgsqlDataSource db, CancellationToken ct)
    {
        var project = scope.Project;
        if (!Cursor.TryParse(before, out var cursor)) return Refusals.Invalid("before", "invalid_cursor", "The cursor is not one this API gave.");
        if (channel is not (null or "whatsapp" or "messenger" or "instagram"))
            return Refusals.Invalid("channel", "invalid_channel", "Channel must be whatsapp, messenger or instagram.");
        var size = Math.Clamp(limit ?? 50, 1, 200);

        await using var connection = await db.OpenConnectionAsync(ct);
        var args = new
        {
            projectId, userId = scope.UserId, allQueues = project.Can(Permissions.ReadAllQueues), queueIds = project.QueueIds,
            accountId, channel, queueId, status, unread = unread ?? false, mine = mine ?? false,
            beforeAt = cursor?.At, beforeId = cursor?.Id, size,
        };
        Task<ConversationItem[]> Read() => ReadPageAsync(connection, args, ct);
        // First pages are what every console asks for again and again; deeper pages are read through. The key holds
        // everything the page depends on: who may see what (all queues, or this user's queues) and the filters.
        // Unread counts are per agent, so a page is per user (and per set of queues, which decides what it holds).
        var audience = args.allQueues ? $"{scope.UserId}:all" : $"{scope.UserId}:{string.Join(',', project.QueueIds)}";
        var key = $"list:{audience}:{accountId}:{channel}:{queueId}:{status}:{args.unread}:{args.mine}:{size}";
        var rows = cursor is null ? await cache.GetOrReadAsync(connection, projectId, key, Read, ct) : await Read();
        var next = rows.Length == size ? new Cursor(new DateTimeOffset(rows[^1].LastMessageAt, TimeSpan.Zero), rows[^1].Id).ToString() : null;
        return TypedResults.Ok(new Page<ConversationItem>(rows, next));
    }

    private static async Task<ConversationItem[]> ReadPageAsync(NpgsqlConnection connection, object args, CancellationToken ct) =>
        (await connection.QueryAsync<ConversationItem>(new CommandDefinition("""
            select id, channel, account_id, account_name, contact_id, contact_name, contact_external_id, queue_id, assigned_user_id,
                   status, last_message_at, last_message_preview, last_message_direction, last_message_type, unread_count, last_inbound_at,
                   window_expires_at
            from chat.list_conversations(@projectId, @userId, @allQueues, @queueIds, @accountId, @channel, @queueId, @status, @unread, @mine,
                                         @beforeAt, @beforeId, @size)
            """, args, cancellationToken: ct))).ToArray();
}
