namespace MultichannelMessages.Contracts.Bots;

/// <summary>A published version of a flow (immutable), newest first.</summary>
public sealed record FlowVersionItem(long Id, int Version, DateTime PublishedAt, long? PublishedBy, string? PublishedByName);
