namespace MultichannelMessages.Contracts.Operations;

public sealed record Heartbeat(string WorkerId, string Loop, DateTime BeatAt, string? Details, double SecondsSince);

public sealed record DeadLetter(long Id, long OutboxId, long? MessageId, long? ConversationId, string Reason, int? ErrorCode,
    int Attempts, DateTime CreatedAt);
