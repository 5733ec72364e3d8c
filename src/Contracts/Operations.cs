namespace MultichannelMessages.Contracts.Operations;

public sealed record Heartbeat(string WorkerId, string Loop, DateTime BeatAt, string? Details, double SecondsSince);

/// <param name="State">open, replayed, discarded, or resolved (Meta's status confirmed an in-doubt send).</param>
public sealed record DeadLetter(long Id, long OutboxId, long? MessageId, long? ConversationId, string Reason, int? ErrorCode,
    int Attempts, DateTime CreatedAt)
{
    public string? ErrorTitle { get; init; }
    public string State { get; init; } = "open";
}

public sealed record DeadLetterAction(long[]? Ids, string? Reason);

/// <param name="Outcome">replayed, discarded, or skipped (then <paramref name="Reason"/>: already_handled, in_doubt,
/// not_failed, retried_by_agent, not_found).</param>
public sealed record DeadLetterOutcome(long Id, string Outcome, string? Reason);

/// <summary>One row of the command log, as Ops shows it.</summary>
public sealed record CommandLogEntry(long Id, DateTime At, long? ProjectId, string Actor, string Action, string TargetKind, string? TargetId,
    string? Before, string? After, string? RequestId, string? ClientAddress);

/// <param name="FirstBrokenId">The first row whose hash does not match (edited, or its predecessor removed); null when whole.</param>
public sealed record CommandLogCheck(bool Whole, long? FirstBrokenId);

/// <summary>One bug as the error log keeps it: counted, first and last seen, the last trace id to find it in the logs.</summary>
public sealed record ErrorLogEntry(long Id, string Fingerprint, long? ProjectId, string Service, string Instance, string ExceptionType, string Message,
    string? Stack, DateTime FirstSeen, DateTime LastSeen, long Count, string? LastTraceId);
