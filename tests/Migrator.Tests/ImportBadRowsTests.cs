using Dapper;
using MultichannelMessages.Migrator.Import;
using MultichannelMessages.Platform.Import;
using MultichannelMessages.TestSupport;
using Npgsql;
using static MultichannelMessages.Migrator.Tests.ImportFiles;

namespace MultichannelMessages.Migrator.Tests;

/// <summary>
/// A generic file holding every kind of bad row: each is reported with its line and a stable reason, none is imported
/// or sent, the rest imports and the report reconciles. Each bad row sits beside a good one of the same shape (the
/// positive control) that imports.
/// </summary>
public sealed class ImportBadRowsTests
{
    private static readonly DateTime Now = DateTime.UtcNow;

    [Fact]
    public async Task Every_kind_of_bad_row_is_reported_with_its_line_and_reason_and_the_rest_imports()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("import_bad_rows");
        await using var db = NpgsqlDataSource.Create(cs);
        await using var c = await db.OpenConnectionAsync();
        var project = await c.ExecuteScalarAsync<long>("select core.ensure_project('bad', 'Bad rows')");
        var other = await c.ExecuteScalarAsync<long>("select core.ensure_project('other', 'Other')");
        await c.ExecuteAsync("insert into meta.accounts (project_id, channel, external_id, name) values (@other, 'messenger', 'page-taken', 'Other')", new { other });

        var lines = EveryEntity(Now);
        var expected = new List<(string Entity, string? SourceId, string Reason)>();
        void Bad(string line, string entity, string? id, string reason) { lines.Add(line); expected.Add((entity, id, reason)); }
        object Message(string id, string conversation, object occurredAt, string kind = "text") =>
            new { type = "message", v = 1, id, conversation, direction = "in", kind, text = "hola", occurredAt };

        Bad("{\"type\": \"message\", \"v\": 1, \"id\": \"m-x\"", "record", null, "malformed_json");
        Bad("[1, 2]", "record", null, "malformed_json");
        Bad(Line(new { v = 1, id = "z-1" }), "record", "z-1", "missing_type");
        Bad("{\"type\": \"message\", \"v\": 1, \"id\": \"m-nul\", \"text\": \"a\\u0000b\"}", "record", null, "invalid_value");
        Bad(Line(new { type = "invoice", v = 1, id = "inv-1" }), "record", "inv-1", "unsupported_record_type");
        Bad(Line(new { type = "message", v = 2, id = "m-v2" }), "message", "m-v2", "unsupported_version");
        Bad(Line(new { type = "conversation", v = 1, id = "cv-x", account = "acc-wa", contact = "c-404" }), "conversation", "cv-x", "unknown_contact");
        Bad(Line(new { type = "conversation", v = 1, id = "cv-y", account = "acc-404", contact = "c-1" }), "conversation", "cv-y", "unknown_account");
        Bad(Line(new { type = "conversation", v = 1, id = "cv-z", account = "acc-fb", contact = "c-1" }), "conversation", "cv-z", "channel_mismatch");
        Bad(Line(Message("m-a", "cv-404", Iso(Now))), "message", "m-a", "unknown_conversation");
        Bad(Line(Message("m-b", "cv-x", Iso(Now))), "message", "m-b", "unknown_conversation");   // its conversation was rejected
        Bad(Line(Message("m-1", "cv-1", Iso(Now))), "message", "m-1", "duplicate_source_id");
        Bad(Line(new { type = "contact", v = 1, id = "c-2", channel = "whatsapp", externalId = "34999" }), "contact", "c-2", "duplicate_source_id");
        Bad(Line(Message("m-c", "cv-1", "2026-13-45T10:00:00Z")), "message", "m-c", "broken_timestamp");
        Bad(Line(Message("m-d", "cv-1", "yesterday")), "message", "m-d", "broken_timestamp");
        Bad(Line(Message("m-e", "cv-1", "2026-01-01T10:00:00")), "message", "m-e", "broken_timestamp");   // no zone
        Bad(Line(Message("m-f", "cv-1", Iso(Now.AddDays(3)))), "message", "m-f", "broken_timestamp");   // in the future
        Bad(Line(Message("m-g", "cv-1", Iso(Now), kind: "poll")), "message", "m-g", "unsupported_message_type");
        Bad(Line(new { type = "message", v = 1, id = "m-h", conversation = "cv-1", direction = "in", kind = "text", text = "sin fecha" }), "message", "m-h", "missing_field");
        Bad(Line(new { type = "message", v = 1, id = "m-i", conversation = "cv-1", direction = "in", kind = "image", occurredAt = Iso(Now) }), "message", "m-i", "missing_field");
        Bad(Line(new { type = "message", v = 1, id = "m-j", conversation = "cv-1", direction = "sideways", kind = "text", text = "x", occurredAt = Iso(Now) }), "message", "m-j", "invalid_value");
        Bad(Line(new { type = "contact", v = 1, id = "c-w", channel = "telegram", externalId = "77" }), "contact", "c-w", "unsupported_channel");
        Bad(Line(new { type = "account", v = 1, id = "acc-t", channel = "messenger", externalId = "page-taken" }), "account", "acc-t", "account_in_other_project");
        Bad(Line(new { type = "account", v = 1, id = "acc-nw", channel = "whatsapp", externalId = "1065550777" }), "account", "acc-nw", "missing_field");
        Bad(Line(new { type = "note", v = 1, id = "n-x", conversation = "cv-1", author = "ag-404", body = "x", createdAt = Iso(Now) }), "note", "n-x", "unknown_agent");
        Bad(Line(new { type = "template", v = 1, id = "tp-x", account = "acc-fb", name = "hi", language = "es", category = "UTILITY", status = "APPROVED",
                       components = Array.Empty<object>() }), "template", "tp-x", "template_not_whatsapp");
        Bad(Line(new { type = "flow", v = 1, id = "LEG-12" }), "flow", "LEG-12", "flow_use_flow_import");
        // Positive controls beside them: the same shapes, well formed, import.
        lines.Add("");   // a blank line is no record
        lines.Add(Line(Message("m-ok-seconds", "cv-1", (long)(Now.AddMinutes(-3) - DateTime.UnixEpoch).TotalSeconds)));
        lines.Add(Line(Message("m-ok-offset", "cv-1", Now.AddMinutes(-2).ToString("yyyy-MM-ddTHH:mm:ss+00:00"))));
        lines.Add(Line(new { type = "message", v = 1, id = "m-ok-dropped-agent", conversation = "cv-2", direction = "out", kind = "text", text = "ok",
                             agent = "ag-404", occurredAt = Iso(Now.AddDays(-5).AddMinutes(3)) }));
        var file = Write(lines);

        var result = await ImportEngine.RunAsync(db, new ImportOptions(project, file, "acme"), TextWriter.Null, CancellationToken.None);

        Assert.Equal("completed", result.Status);
        Assert.All(result.Report, r => Assert.Equal(0, r.Unexplained));
        var rejects = (await c.QueryAsync<(long Line, string Entity, string? SourceId, string Reason)>(
            "select line, entity, source_id, reason from ops.import_run_rejects(@RunId, 1000) where entity not like '%.%'", new { result.RunId })).ToList();
        Assert.Equal(expected, rejects.Select(r => (r.Entity, r.SourceId, r.Reason)));
        // Each reject names its own line of the file.
        var fileLines = File.ReadAllLines(file);
        Assert.All(rejects.Where(r => r.SourceId is not null),
                   r => Assert.Contains($"\"{r.SourceId}\"", fileLines[r.Line - 1]));
        Assert.Equal("message.agent unknown_agent m-ok-dropped-agent", await c.ExecuteScalarAsync<string>(
            "select entity || ' ' || reason || ' ' || source_id from ops.import_rejects where run_id = @RunId and entity like '%.%'", new { result.RunId }));

        var message = result.Report.Single(r => r.Entity == "message");
        Assert.Equal((6L + 3, 6L + 12 + 3, 12L), (message.New, message.Source, message.Rejected));
        Assert.Equal(5, result.Report.Single(r => r.Entity == "record").Rejected);
        // Nothing rejected reached the platform; nothing at all was sent.
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("select count(*) from chat.messages where body = 'hola' and occurred_at > now() - interval '1 minute'"));
        Assert.Equal(2, await c.ExecuteScalarAsync<long>("select count(*) from chat.conversations where project_id = @project", new { project }));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("select count(*) from ops.outbox"));
        Assert.Null(await c.ExecuteScalarAsync<long?>("select sent_by_user_id from chat.messages where body = 'ok'"));
    }
}
