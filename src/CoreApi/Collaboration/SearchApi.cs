using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Conversations;
using MultichannelMessages.Contracts.Search;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using MultichannelMessages.Platform.Database;
using Npgsql;

namespace MultichannelMessages.CoreApi.Collaboration;

/// <summary>
/// Search across everything the caller may see in a project: message bodies and notes (full text, accent-insensitive,
/// word prefixes), customer names, phone numbers and handles, and tag names; filtered by channel, queue, tag, date
/// range and status; newest first. Snippets come as parts with the matches marked, so the console never renders
/// markup from a customer's text.
/// </summary>
public static class SearchApi
{
    private sealed record Row(string Kind, long ConversationId, string Channel, string? ContactName, string ContactExternalId, long? QueueId,
        string Status, long? MessageId, long? NoteId, string? Direction, string? Snippet, DateTime OccurredAt, int Rank, long HitId);

    /// <summary>Where a page ends: the last hit's (time, kind rank, id), the order chat.search pages on. Opaque to clients.</summary>
    public readonly record struct SearchCursor(DateTime At, int Rank, long Id)
    {
        public override string ToString() => FormattableString.Invariant($"{At.Ticks}.{Rank}.{Id}");

        public static bool TryParse(string? text, out SearchCursor? cursor)
        {
            cursor = null;
            if (string.IsNullOrEmpty(text)) return true;
            var parts = text.Split('.');
            if (parts.Length != 3 || !long.TryParse(parts[0], out var ticks) || ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks
                || !int.TryParse(parts[1], out var rank) || rank is < 1 or > 4 || !long.TryParse(parts[2], out var id))
                return false;
            cursor = new SearchCursor(new DateTime(ticks, DateTimeKind.Utc), rank, id);
            return true;
        }
    }

    private const char MatchStart = '\uE000';
    private const char MatchEnd = '\uE001';

    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/projects/{projectId:long}/search", Search).WithTags("Search").RequirePermission(Permissions.ReadConversations);
        return app;
    }

    /// <summary>A page of hits, newest first; <c>next</c> (null on the last page) asks for the hits after this page.</summary>
    public static async Task<Results<Ok<Page<SearchHit>>, ProblemHttpResult>> Search(
        long projectId, string? q, string? channel, long? queueId, long? tagId, DateTimeOffset? from, DateTimeOffset? to, string? status, int? limit,
        string? after, ProjectScope scope, ReadReplica replica, CancellationToken ct)
    {
        var text = q?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > 200) return Refusals.Invalid("q", "invalid_search", "Search for 1 to 200 characters.");
        if (!text.Any(char.IsLetterOrDigit)) return Refusals.Invalid("q", "invalid_search", "Search for at least one letter or digit.");
        if (channel is not (null or "whatsapp" or "messenger" or "instagram"))
            return Refusals.Invalid("channel", "invalid_channel", "Channel must be whatsapp, messenger or instagram.");
        if (status is not (null or "open" or "resolved")) return Refusals.Invalid("status", "invalid_status", "Status is open or resolved.");
        if (from is { } f && to is { } t && f >= t) return Refusals.Invalid("to", "invalid_range", "The end of the range must come after its start.");
        if (!SearchCursor.TryParse(after, out var cursor)) return Refusals.Invalid("after", "invalid_cursor", "The cursor is not one this API gave.");
        var size = Math.Clamp(limit ?? 30, 1, 100);

        // Search may lag a moment behind (the read replica, when one is configured): a message just sent shows in its
        // thread at once, which reads the primary, and in search when the replica has replayed it.
        var rows = (await replica.ReadAsync(connection => connection.QueryAsync<Row>(new CommandDefinition("""
            select kind, conversation_id, channel, contact_name, contact_external_id, queue_id, status, message_id, note_id, direction,
                   snippet, occurred_at, rank, hit_id
            from chat.search(@projectId, @userId, @allQueues, @queueIds, @text, @channel, @queueId, @tagId, @from, @to, @status, @fetch,
                             @beforeAt, @beforeRank, @beforeId)
            """, new
        {
            projectId, userId = scope.UserId, allQueues = scope.Can(Permissions.ReadAllQueues), queueIds = scope.Project.QueueIds, text, channel,
            queueId, tagId, from = from?.UtcDateTime, to = to?.UtcDateTime, status,
            // One more than the page: whether it comes back says if there is a next page, without an empty last one.
            fetch = size + 1, beforeAt = cursor?.At, beforeRank = cursor?.Rank, beforeId = cursor?.Id,
        }, cancellationToken: ct)), ct)).ToArray();
        var page = rows.Take(size).ToArray();
        var next = rows.Length > size ? new SearchCursor(page[^1].OccurredAt, page[^1].Rank, page[^1].HitId).ToString() : null;
        return TypedResults.Ok(new Page<SearchHit>(page.Select(r => new SearchHit(r.Kind, r.ConversationId, r.Channel,
            r.ContactName, r.ContactExternalId, r.QueueId, r.Status, r.MessageId, r.NoteId, r.Direction,
            Parts(r.Snippet ?? "", r.Kind is "message" or "note" ? null : text), r.OccurredAt)).ToArray(), next));
    }

    /// <summary>Splits a snippet at the database's match markers; for contact and tag hits (plain text), marks where
    /// the searched text occurs.</summary>
    public static SnippetPart[] Parts(string snippet, string? plainMatch)
    {
        if (plainMatch is not null)
        {
            var at = snippet.IndexOf(plainMatch, StringComparison.OrdinalIgnoreCase);
            return at < 0 ? [new(snippet, false)]
                : new SnippetPart[] { new(snippet[..at], false), new(snippet.Substring(at, plainMatch.Length), true), new(snippet[(at + plainMatch.Length)..], false) }
                    .Where(p => p.Text.Length > 0).ToArray();
        }
        var parts = new List<SnippetPart>();
        var match = false;
        var start = 0;
        for (var i = 0; i <= snippet.Length; i++)
        {
            if (i < snippet.Length && snippet[i] != MatchStart && snippet[i] != MatchEnd) continue;
            if (i > start) parts.Add(new(snippet[start..i], match));
            if (i < snippet.Length) match = snippet[i] == MatchStart;
            start = i + 1;
        }
        return parts.ToArray();
    }
}
