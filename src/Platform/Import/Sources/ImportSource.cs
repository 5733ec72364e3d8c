namespace MultichannelMessages.Platform.Import.Sources;

/// <summary>
/// What became of one field of a source system's export (docs/import.md): mapped to a platform field, folded into
/// attributes or a message's extra, or dropped with the reason. Every source lists all of its fields, so the
/// reconciliation report shows a decision for each value the source held.
/// </summary>
public sealed record FieldDecision(string Entity, string SourceField, string Decision);

/// <summary>
/// A source system the importer reads directly. It converts its export to the generic format, version 1 (JSON Lines,
/// docs/import.md), in a deterministic order, so the same export converts to the same bytes and an interrupted run
/// resumes at its cursor; the generic engine then imports the converted file. A source emits every row it read, even
/// one the platform cannot hold (an e-mail inbox, a message type with no equivalent), so the engine rejects it with its
/// reason and the report accounts for it: a converter never drops a row silently.
/// </summary>
public interface IImportSource
{
    /// <summary>The value of ops.import_runs.source: "chatwoot", "whatsapp_export".</summary>
    string Name { get; }

    /// <summary>Every source field and what becomes of it, shown with the report.</summary>
    IReadOnlyList<FieldDecision> Decisions { get; }

    /// <summary>Writes the export as generic JSON Lines (UTF-8, "\n" per record) to <paramref name="output"/>.</summary>
    Task ConvertAsync(Stream output, CancellationToken ct);
}

/// <summary>An export its source cannot read as a whole (not that source's format, a date order that cannot be told,
/// a missing required setting): the import fails with this message, shown to the person who started it. A single bad
/// row is never this: it is emitted and rejected with its reason.</summary>
public sealed class ImportSourceException(string message) : Exception(message);
