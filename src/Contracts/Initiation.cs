using System.Text.Json;

namespace MultichannelMessages.Contracts.Initiation;

public sealed record PreflightRequest(long AccountId, long? ContactId, string? Phone, long? TemplateId, string? Language);

public sealed record InitiateRequest(long AccountId, long? ContactId, string? Phone, long? TemplateId, string? Language,
    string? ClientMessageId, JsonElement? Parameters);

/// <summary>One initiation check (every one binds: the send runs them all again).</summary>
public sealed record Check(string Name, bool Passed, string Code, JsonElement Detail);

public sealed record PreflightResponse(bool AllPassed, Check[] Checks);

public sealed record InitiateResponse(long ConversationId, long MessageId, bool Created, string Status);
