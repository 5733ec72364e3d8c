namespace MultichannelMessages.Platform.Import;

// The generic format's records once read and checked (docs/import.md). Ids and references are the source's strings;
// Line is the 1-based line of the file, the key of every reject.

public sealed record AccountRow(long Line, string SourceId, string Channel, string ExternalId, string? WabaId, string Name, string? Phone);

public sealed record AgentRow(long Line, string SourceId, string Email, string? Name);

public sealed record TagRow(long Line, string SourceId, string Name, string Color);

public sealed record TemplateRow(long Line, string SourceId, string AccountRef, string Name, string Language, string Category,
    string Status, string ComponentsJson, string? MetaTemplateId);

public sealed record ContactRow(long Line, string SourceId, string Channel, string ExternalId, string? Name, string? Phone,
    string? Language, string? AttributesJson);

public sealed record ConversationRow(long Line, string SourceId, string AccountRef, string ContactRef, string Status,
    string? AssigneeRef, DateTime? CreatedAt, DateTime? ResolvedAt, IReadOnlyList<string> TagRefs);

public sealed record MessageRow(long Line, string SourceId, string ConversationRef, string Direction, string Kind, string? Body,
    DateTime OccurredAt, string Status, DateTime? StatusAt, int? ErrorCode, string? ErrorTitle, string? ProviderMessageId,
    string? ReplyTo, string? AgentRef, string? PayloadJson, string? MediaJson);

public sealed record NoteRow(long Line, string SourceId, string ConversationRef, string AuthorRef, string Body, DateTime CreatedAt);

/// <summary>A record not imported, with a stable reason code (docs/import.md lists them).</summary>
public sealed record RejectRow(long Line, string Entity, string? SourceId, string Reason, string? Detail);

/// <summary>What one batch of lines holds, per entity, ready for COPY.</summary>
public sealed class ImportBatch
{
    public List<AccountRow> Accounts { get; } = [];
    public List<AgentRow> Agents { get; } = [];
    public List<TagRow> Tags { get; } = [];
    public List<TemplateRow> Templates { get; } = [];
    public List<ContactRow> Contacts { get; } = [];
    public List<ConversationRow> Conversations { get; } = [];
    public List<MessageRow> Messages { get; } = [];
    public List<NoteRow> Notes { get; } = [];
    public List<RejectRow> Rejects { get; } = [];
    /// <summary>Lines per entity, rejected ones included: the reconciliation's "source" column.</summary>
    public Dictionary<string, long> SourceCounts { get; } = [];
    /// <summary>"entity.field" → how many records held a field the format does not name (dropped, reported).</summary>
    public Dictionary<string, long> DroppedFields { get; } = [];
    public int Lines { get; set; }
    /// <summary>Where the reader stood after the batch's last line: the resume cursor once the batch is applied.</summary>
    public long EndLine { get; set; }
    public long EndOffset { get; set; }

    public void Count(string entity) => SourceCounts[entity] = SourceCounts.GetValueOrDefault(entity) + 1;

    public void Dropped(string field) => DroppedFields[field] = DroppedFields.GetValueOrDefault(field) + 1;
}
