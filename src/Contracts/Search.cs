namespace MultichannelMessages.Contracts.Search;

/// <summary>A piece of a snippet; Match marks the searched words, so the console never renders markup from a customer's text.</summary>
public sealed record SnippetPart(string Text, bool Match);

public sealed record SearchHit(string Kind, long ConversationId, string Channel, string? ContactName, string ContactExternalId, long? QueueId,
    string Status, long? MessageId, long? NoteId, string? Direction, SnippetPart[] Snippet, DateTime OccurredAt);
