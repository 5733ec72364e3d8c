namespace MultichannelMessages.Contracts.Import;

// Imports from the console (issue 18, docs/import.md "From the console"). Routes (Core API, all project.configure):
//   POST /projects/{projectId}/imports?source=&system=&fileName=[&accountId=&customerPhone=&businessNames=&timeZone=&dateOrder=]
//        body: the export's bytes                                   → 202 ImportJobItem (queued; a Worker imports it)
//   GET  /projects/{projectId}/imports                              → ImportsView (jobs, and every run, command-line ones too)
//   POST /projects/{projectId}/imports/{importJobId}/cancel               → ImportJobItem
//   GET  /projects/{projectId}/imports/runs/{importRunId}                 → ImportReportView (the reconciliation)
//   GET  /projects/{projectId}/imports/runs/{importRunId}/rejects.csv     → every row not imported, with its reason
// Refusals carry a stable code (ImportErrors). Live: "import_changed" (a job's status) and "import_progress" (percent,
// lines, messages, messagesPerSecond, etaSeconds, jobId, runId) changes reach the project's consoles.

/// <summary>A job queued from the console.</summary>
/// <param name="Source">generic (the documented JSON Lines format) or whatsapp_export (the app's "Export chat" file).</param>
/// <param name="Status">queued, running, completed, failed, cancelled.</param>
/// <param name="Percent">The share of the file committed, once the run began.</param>
public sealed record ImportJobItem(long Id, string Source, string SourceSystem, string FileName, long SizeBytes, string Status,
    bool CancelRequested, long? RunId, string? RequestedBy, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt, int Attempts, string? LastError, double? Percent, long? Lines, long? MessagesNew, long? Rejected);

/// <summary>One import run (a job's, or one started by <c>Migrator import</c>).</summary>
/// <param name="Status">running, interrupted, completed.</param>
public sealed record ImportRunItem(long Id, string Source, string SourceSystem, string FileName, string Status, double Percent,
    long Lines, int Batches, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string? LastError);

public sealed record ImportsView(ImportJobItem[] Jobs, ImportRunItem[] Runs);

/// <summary>Per entity: records in the source and what became of them; Unexplained must be 0.</summary>
/// <param name="Reasons">rejected (or, for a dotted entity like conversation.tag, dropped references) by reason.</param>
public sealed record ImportCountRow(string Entity, long Source, long New, long Matched, long Present, long Rejected, long Unexplained,
    IReadOnlyDictionary<string, long> Reasons);

public sealed record ImportFieldDecision(string Entity, string Field, string Decision);

public sealed record ImportRejectRow(long Line, string Entity, string? SourceId, string Reason, string? Detail);

/// <param name="DroppedFields">"entity.field" → records that held a field the generic format does not name.</param>
/// <param name="Rejects">The first rows not imported (the CSV has them all).</param>
public sealed record ImportReportView(ImportRunItem Run, ImportCountRow[] Counts, bool Reconciled, ImportFieldDecision[] Decisions,
    IReadOnlyDictionary<string, long> DroppedFields, ImportRejectRow[] Rejects, long RejectsTotal);

public static class ImportErrors
{
    public const string UnknownSource = "import_unknown_source";
    public const string EmptyFile = "import_empty_file";
    public const string TooLarge = "import_too_large";
    public const string NotJsonLines = "import_not_json_lines";
    public const string InvalidSystem = "import_invalid_system";
    public const string InvalidFileName = "import_invalid_file_name";
    public const string AccountNotWhatsApp = "import_account_not_whatsapp";
    public const string InvalidPhone = "import_invalid_phone";
    public const string BusinessNamesRequired = "import_business_names_required";
    public const string InvalidTimeZone = "import_invalid_time_zone";
    public const string InvalidDateOrder = "import_invalid_date_order";
    public const string NotCancellable = "import_not_cancellable";
}
