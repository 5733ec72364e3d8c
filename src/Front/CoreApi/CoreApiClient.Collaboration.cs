namespace MultichannelMessages.Front.CoreApi;

// The shared-inbox endpoints: lock, assignment, tags, notes, attributes, search, presence and internal chat.
public sealed partial class CoreApiClient
{
    /// <summary>The lock, or null when nobody holds it (the Core API answers 200 with an empty body then).</summary>
    public async Task<LockView?> LockAsync(long conversationId, CancellationToken ct = default)
    {
        using var response = await RequestAsync(HttpMethod.Get, $"conversations/{conversationId}/lock", null, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        return string.IsNullOrWhiteSpace(body) || body == "null"
            ? null : System.Text.Json.JsonSerializer.Deserialize<LockView>(body, System.Text.Json.JsonSerializerOptions.Web);
    }

    public Task<LockView> TakeLockAsync(long conversationId, CancellationToken ct = default) =>
        SendAsync<LockView>(HttpMethod.Post, $"conversations/{conversationId}/lock", null, ct);

    public Task ReleaseLockAsync(long conversationId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"conversations/{conversationId}/lock", null, ct);

    /// <summary>No user: take it oneself.</summary>
    public Task AssignAsync(long conversationId, long? userId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"conversations/{conversationId}/assignee", new AssignRequest(userId), ct);

    public Task TransferAsync(long conversationId, long queueId, long? userId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"conversations/{conversationId}/transfer", new TransferRequest(queueId, userId), ct);

    public Task SetStatusAsync(long conversationId, bool resolved, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"conversations/{conversationId}/{(resolved ? "resolve" : "reopen")}", null, ct);

    public Task<WorkEvent[]> WorkHistoryAsync(long conversationId, CancellationToken ct = default) =>
        GetAsync<WorkEvent[]>($"conversations/{conversationId}/history", ct);

    public Task<ConversationTag[]> TagsAsync(long conversationId, CancellationToken ct = default) =>
        GetAsync<ConversationTag[]>($"conversations/{conversationId}/tags", ct);

    public Task SetTagAsync(long conversationId, long tagId, bool on, CancellationToken ct = default) =>
        SendAsync(on ? HttpMethod.Put : HttpMethod.Delete, $"conversations/{conversationId}/tags/{tagId}", null, ct);

    public Task<CatalogTag[]> CatalogAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<CatalogTag[]>($"projects/{projectId}/tags", ct);

    public Task<CatalogTag> CreateTagAsync(long projectId, string name, string color, CancellationToken ct = default) =>
        SendAsync<CatalogTag>(HttpMethod.Post, $"projects/{projectId}/tags", new TagRequest(name, color), ct);

    public Task<NoteItem[]> NotesAsync(long conversationId, CancellationToken ct = default) =>
        GetAsync<NoteItem[]>($"conversations/{conversationId}/notes", ct);

    public Task<NoteItem> AddNoteAsync(long conversationId, string text, CancellationToken ct = default) =>
        SendAsync<NoteItem>(HttpMethod.Post, $"conversations/{conversationId}/notes", new NoteRequest(text), ct);

    /// <summary>Merges the attributes (a null value removes a key); answers the contact's attributes after the merge.</summary>
    public Task<Dictionary<string, string>> SetAttributesAsync(long conversationId, Dictionary<string, string?> attributes, CancellationToken ct = default) =>
        SendAsync<Dictionary<string, string>>(HttpMethod.Patch, $"conversations/{conversationId}/contact/attributes", new AttributesRequest(attributes), ct);

    /// <summary>A page of hits; pass the page's <c>Next</c> as <paramref name="after"/> for the hits after it.</summary>
    public Task<Page<SearchHit>> SearchEverythingAsync(long projectId, SearchQuery query, string? after = null, CancellationToken ct = default) =>
        GetAsync<Page<SearchHit>>($"projects/{projectId}/search?{query.ToQueryString()}"
            + (after is null ? "" : "&after=" + Uri.EscapeDataString(after)), ct);

    public Task<PresenceItem[]> PresenceAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<PresenceItem[]>($"projects/{projectId}/presence", ct);

    public Task<ProjectMember[]> MembersAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<ProjectMember[]>($"projects/{projectId}/members", ct);

    public Task<MyPresence> MyPresenceAsync(CancellationToken ct = default) => GetAsync<MyPresence>("me/presence", ct);

    public Task SetPresenceAsync(string status, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, "me/presence", new PresenceRequest(status), ct);

    public Task SeenAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Post, "me/presence/seen", null, ct);

    public Task<RoomItem[]> RoomsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<RoomItem[]>($"projects/{projectId}/internal/rooms", ct);

    public Task<RoomCreated> CreateRoomAsync(long projectId, string name, long[] memberIds, CancellationToken ct = default) =>
        SendAsync<RoomCreated>(HttpMethod.Post, $"projects/{projectId}/internal/rooms", new RoomRequest(name, memberIds), ct);

    public Task<RoomCreated> DirectAsync(long projectId, long userId, CancellationToken ct = default) =>
        SendAsync<RoomCreated>(HttpMethod.Post, $"projects/{projectId}/internal/direct", new DirectRequest(userId), ct);

    public Task<InternalMessage[]> RoomMessagesAsync(long projectId, long roomId, CancellationToken ct = default) =>
        GetAsync<InternalMessage[]>($"projects/{projectId}/internal/rooms/{roomId}/messages?limit=100", ct);

    public Task<InternalMessage> PostInternalAsync(long projectId, long roomId, string text, long? conversationId, CancellationToken ct = default) =>
        SendAsync<InternalMessage>(HttpMethod.Post, $"projects/{projectId}/internal/rooms/{roomId}/messages", new PostRequest(text, conversationId), ct);
}
