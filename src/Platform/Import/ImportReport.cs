using System.Text.Json;
using Dapper;
using Npgsql;

namespace MultichannelMessages.Platform.Import;

public sealed record ImportReportRow(string Entity, long Source, long New, long Matched, long Present, long Rejected, long Unexplained,
    IReadOnlyDictionary<string, long> Reasons);

public sealed record ImportFields(IReadOnlyList<Sources.FieldDecision> Decisions, IReadOnlyDictionary<string, long> Dropped);

/// <summary>The reconciliation of a run (ops.import_report), as stored with it, and its printout.</summary>
public static class ImportReport
{
    public static async Task<IReadOnlyList<ImportReportRow>> ReadAsync(NpgsqlConnection connection, long runId)
    {
        var rows = await connection.QueryAsync<(string Entity, long Source, long New, long Matched, long Present, long Rejected, long Unexplained, string Reasons)>(
            "select entity, source_count, new_count, matched_count, present_count, rejected_count, unexplained, reasons::text from ops.import_report(@runId)",
            new { runId });
        return rows.Select(r => new ImportReportRow(r.Entity, r.Source, r.New, r.Matched, r.Present, r.Rejected, r.Unexplained,
            JsonSerializer.Deserialize<Dictionary<string, long>>(r.Reasons)!)).ToList();
    }

    /// <summary>What the source decided for each of its fields, and the fields beyond the format a file held (dropped).</summary>
    public static async Task<ImportFields> ReadFieldsAsync(NpgsqlConnection connection, long runId)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(string? Decisions, string? Dropped)>(
            "select field_decisions::text, dropped_fields::text from ops.import_run_fields(@runId)", new { runId });
        var decisions = row.Decisions is null ? [] : JsonSerializer.Deserialize<List<DecisionJson>>(row.Decisions)!
            .Select(d => new Sources.FieldDecision(d.entity, d.field, d.decision)).ToList();
        var dropped = row.Dropped is null ? new SortedDictionary<string, long>()
            : new SortedDictionary<string, long>(JsonSerializer.Deserialize<Dictionary<string, long>>(row.Dropped)!, StringComparer.Ordinal);
        return new ImportFields(decisions, dropped);
    }

    private sealed record DecisionJson(string entity, string field, string decision);

    public static async Task PrintAsync(NpgsqlConnection connection, long runId, TextWriter output, int rejectsShown = 20)
    {
        var run = await connection.QuerySingleOrDefaultAsync<(long Id, string Source, string SourceSystem, string FileName, string Status, long CursorLine)>(
            "select id, source, source_system, file_name, status, cursor_line from ops.import_run(@runId)", new { runId });
        if (run.Id == 0) throw new InvalidOperationException($"Import run {runId} does not exist.");
        var report = await ReadAsync(connection, runId);
        await output.WriteLineAsync($"Import run {run.Id} ({run.Source}, source system \"{run.SourceSystem}\", {run.FileName}): {run.Status}, {run.CursorLine:N0} lines read.");
        await output.WriteLineAsync($"  {"entity",-22}{"source",10}{"new",10}{"(matched)",11}{"present",10}{"rejected",10}{"unexplained",13}");
        foreach (var r in report.Where(r => !r.Entity.Contains('.')))
            await output.WriteLineAsync($"  {r.Entity,-22}{r.Source,10:N0}{r.New,10:N0}{r.Matched,11:N0}{r.Present,10:N0}{r.Rejected,10:N0}{r.Unexplained,13:N0}");
        foreach (var r in report.Where(r => r.Reasons.Count > 0))
            await output.WriteLineAsync($"  {(r.Entity.Contains('.') ? "dropped" : "rejected")} {r.Entity}: "
                                        + string.Join(", ", r.Reasons.Select(x => $"{x.Key} {x.Value:N0}")));
        var rejects = (await connection.QueryAsync<(long Line, string Entity, string? SourceId, string Reason, string? Detail)>(
            "select line, entity, source_id, reason, detail from ops.import_run_rejects(@runId, @rejectsShown)", new { runId, rejectsShown })).ToList();
        foreach (var x in rejects)
            await output.WriteLineAsync($"  line {x.Line}: {x.Entity} {x.SourceId ?? "-"} {x.Reason}{(x.Detail is null ? "" : ": " + x.Detail)}");
        var fields = await ReadFieldsAsync(connection, runId);
        foreach (var (field, count) in fields.Dropped)
            await output.WriteLineAsync($"  field not in the format, dropped: {field} ({count:N0} records)");
        if (fields.Decisions.Count > 0)
        {
            await output.WriteLineAsync($"  Field decisions ({fields.Decisions.Count}):");
            foreach (var d in fields.Decisions)
                await output.WriteLineAsync($"    {d.Entity}.{d.SourceField}: {d.Decision}");
        }
        var lost = report.Where(r => r.Unexplained != 0).ToList();
        await output.WriteLineAsync(lost.Count == 0
            ? "  Reconciled: every source record is new, present or rejected with its reason."
            : "  UNEXPLAINED: " + string.Join(", ", lost.Select(r => $"{r.Entity} {r.Unexplained:N0}")));
    }
}
