namespace MultichannelMessages.Contracts.InternalChat;

public sealed record RoomRequest(string? Name, long[]? MemberIds);

public sealed record DirectRequest(long? UserId);

public sealed record RoomItem(long Id, string Kind, string? Name, int Members, DateTime? LastMessageAt, string? LastMessagePreview);

public sealed record RoomCreated(long Id);

public sealed record PostRequest(string? Text, long? ConversationId);

public sealed record InternalMessage(long Id, long AuthorUserId, string AuthorName, string Body, DateTime CreatedAt,
    long? CardConversationId, string? CardContactName, string? CardChannel);
