using Dapper;
using MultichannelMessages.Migrator.Import;
using MultichannelMessages.Platform.Import;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Migrator.Tests;

/// <summary>
/// <c>Migrator import</c> of the generic format (docs/import.md) against real PostgreSQL: imported history is ordinary
/// history, read through the console's own functions, never sent; re-runs and overlaps are idempotent through
/// legacy.id_maps; an interrupted run resumes; bad rows are reported and the report reconciles.
/// </summary>
public sealed class ImportTests
{
    private static readonly DateTime Now = DateTime.UtcNow;

    private static async Task<(string Cs, NpgsqlDataSource Db, long Project)> ProjectAsync(string label)
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync(label);
        var db = NpgsqlDataSource.Create(cs);
        await using var connection = await db.OpenConnectionAsync();
        var project = await connection.ExecuteScalarAsync<long>("select core.ensure_project(@label, 'Import')", new { label });
        return (cs, db, project);
    }

    private static Task<ImportResult> ImportAsync(NpgsqlDataSource db, long project, string file, int batch = 5_000, int? stopAfter = null,
        int connections = 1) =>
        ImportEngine.RunAsync(db, new ImportOptions(project, file, "acme", BatchSize: batch) { StopAfterBatches = stopAfter, Connections = connections },
            TextWriter.Null, CancellationToken.None);

    private static ImportReportRow Row(ImportResult result, string entity) => result.Report.Single(r => r.Entity == entity);

    private static async Task<long> ConversationAsync(NpgsqlConnection c, long project, string sourceId) =>
        await c.ExecuteScalarAsync<long>("""
            select new_id from legacy.id_maps where project_id = @project and source_system = 'acme' and kind = 'conversation' and source_id = @sourceId
            """, new { project, sourceId });

    private static async Task AssertReconciledAsync(ImportResult result)
    {
        Assert.Equal("completed", result.Status);
        Assert.All(result.Report, r => Assert.Equal(0, r.Unexplained));
        Assert.All(result.Report.Where(r => !r.Entity.Contains('.')), r => Assert.Equal(r.Source, r.New + r.Present + r.Rejected));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_generic_file_with_every_entity_imports_as_ordinary_history_the_console_reads()
    {
        var (_, db, project) = await ProjectAsync("import_every");
        await using var _db = db;
        var result = await ImportAsync(db, project, ImportFiles.Write(ImportFiles.EveryEntity(Now)));

        await AssertReconciledAsync(result);
        foreach (var (entity, count) in new[] { ("account", 2), ("agent", 1), ("tag", 1), ("template", 1), ("contact", 2), ("conversation", 2), ("message", 6), ("note", 1) })
        {
            var row = Row(result, entity);
            Assert.Equal((count, count, 0L, 0L), (row.Source, row.New, row.Present, row.Rejected));
        }

        await using var c = await db.OpenConnectionAsync();
        var cv1 = await ConversationAsync(c, project, "cv-1");
        var thread = (await c.QueryAsync<(long Id, string Direction, string Type, string? Body, string Status, DateTime OccurredAt, long? SentByUserId, string Media)>(
            "select id, direction, type, body, status, occurred_at, sent_by_user_id, media::text from chat.thread_page(@cv1, null, null, 50)", new { cv1 })).ToList();
        Assert.Equal(["Hola, ¿tenéis la talla M?", "Sí, la tenemos.", null, "¿Sigue disponible?"], thread.Select(m => m.Body));
        Assert.Equal(["in", "out", "in", "in"], thread.Select(m => m.Direction));
        Assert.Equal(["received", "read", "received", "received"], thread.Select(m => m.Status));
        Assert.Equal("image", thread[2].Type);
        Assert.Contains("\"status\": \"pending\"", thread[2].Media);
        Assert.NotNull(thread[1].SentByUserId);
        Assert.Equal(Now.AddHours(-1), thread[3].OccurredAt.ToUniversalTime(), TimeSpan.FromMilliseconds(1));

        // The inbox row: latest message, unread = customer messages after the last reply, assignee, queue, tags, note.
        var cv = await c.QuerySingleAsync<(string Status, string Preview, int Unread, long? Assigned, DateTime LastInbound)>(
            "select status, last_message_preview, unread_count, assigned_user_id, last_inbound_at from chat.conversations where id = @cv1", new { cv1 });
        Assert.Equal(("open", "¿Sigue disponible?", 2), (cv.Status, cv.Preview, cv.Unread));
        Assert.Equal(thread[1].SentByUserId, cv.Assigned);
        // Per agent, imported history is read history; a message arriving live after the import is unread.
        var agent = thread[1].SentByUserId!.Value;
        Assert.Equal(0, await c.ExecuteScalarAsync<int>("select chat.unread_for(@cv1, last_message_at, @agent) from chat.conversations where id = @cv1", new { cv1, agent }));
        await c.ExecuteAsync("""
            insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, status, status_rank, occurred_at)
            select project_id, id, account_id, 'in', 'text', 'live', 'received', 0, now() from chat.conversations where id = @cv1
            """, new { cv1 });
        Assert.Equal(1, await c.ExecuteScalarAsync<int>("select chat.unread_for(@cv1, now(), @agent)", new { cv1, agent }));
        await c.ExecuteAsync("delete from chat.messages where body = 'live'");
        Assert.Equal(["VIP"], await c.QueryAsync<string>("select name from chat.conversation_tags(@cv1)", new { cv1 }));
        Assert.Equal(["Clienta VIP: prioridad"], await c.QueryAsync<string>("select body from chat.list_notes(@cv1)", new { cv1 }));
        Assert.Equal("gold", await c.ExecuteScalarAsync<string>(
            "select ct.attributes ->> 'plan' from chat.conversations cv join chat.contacts ct on ct.id = cv.contact_id where cv.id = @cv1", new { cv1 }));
        Assert.Equal(("APPROVED", (string?)null), await c.QuerySingleAsync<(string, string?)>(
            "select status, pending_action from meta.templates where project_id = @project and name = 'order_update'", new { project }));

        // The image waits for the Worker's download loop by URL alone: no Meta media id, so no token goes with it.
        var media = await c.QuerySingleAsync<(string Url, string? ProviderMediaId, string Status)>(
            "select url, provider_media_id, download_status from chat.media where project_id = @project", new { project });
        Assert.Equal(("https://cdn.example.com/photos/m3.jpg", (string?)null, "pending"), media);

        // Never sent, and told to the consoles once.
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("select count(*) from ops.outbox"));
        Assert.Equal(["import_completed"], await c.QueryAsync<string>("select kind from ops.change_feed where project_id = @project", new { project }));
    }

    [Fact]
    public async Task Staged_rows_an_earlier_user_left_in_a_pooled_session_are_never_imported()
    {
        // The services' pools keep sessions across uses (no DISCARD ALL: DatabaseExtensions.WithoutResetOnClose). One
        // pooled connection here, so the import gets the very session that holds a stale staged contact.
        var (cs, plain, project) = await ProjectAsync("import_pooled_session");
        await plain.DisposeAsync();
        await using var db = NpgsqlDataSource.Create(cs + ";No Reset On Close=true;Maximum Pool Size=1");
        int session;
        await using (var c = await db.OpenConnectionAsync())
        {
            await c.ExecuteAsync("""
                select ops.create_import_staging();
                insert into stg_imp_contacts (line, source_id, channel, external_id) values (1, 'stale', 'whatsapp', '34999000111');
                """);
            session = await c.ExecuteScalarAsync<int>("select pg_backend_pid()");
        }

        var result = await ImportAsync(db, project, ImportFiles.Write(ImportFiles.EveryEntity(Now)));

        await AssertReconciledAsync(result);
        Assert.Equal((2L, 2L), (Row(result, "contact").Source, Row(result, "contact").New));
        await using var after = await db.OpenConnectionAsync();
        Assert.Equal(session, await after.ExecuteScalarAsync<int>("select pg_backend_pid()")); // the import ran in that session
        Assert.Equal(0, await after.ExecuteScalarAsync<long>("select count(*) from chat.contacts where external_id = '34999000111'"));
        Assert.Equal(2, await after.ExecuteScalarAsync<long>("select count(*) from chat.contacts where project_id = @project", new { project }));
    }

    [Fact]
    public async Task An_imported_Meta_id_is_claimed_so_a_live_copy_of_that_message_is_the_same_message()
    {
        // The import inserts without row triggers when it may (session_replication_role = replica, like foreign keys),
        // so it claims Meta's ids itself (legacy.import_messages): the key table must hold the imported wamid.
        var (_, db, project) = await ProjectAsync("import_claims_keys");
        await using var _db = db;
        await AssertReconciledAsync(await ImportAsync(db, project, ImportFiles.Write(ImportFiles.EveryEntity(Now))));
        await using var c = await db.OpenConnectionAsync();
        var imported = await c.QuerySingleAsync<(long Id, long AccountId)>(
            "select id, account_id from chat.messages where provider_message_id = 'wamid.import-1' and project_id = @project", new { project });
        Assert.Equal(imported.Id, await c.ExecuteScalarAsync<long>(
            "select message_id from chat.message_provider_ids where account_id = @account and provider_message_id = 'wamid.import-1'",
            new { account = imported.AccountId }));

        // A webhook's copy of the imported message is skipped; a new Meta id is stored (positive control).
        const string Live = """
            insert into chat.messages (project_id, conversation_id, account_id, direction, provider_message_id, type, body, status, status_rank, occurred_at)
            select project_id, conversation_id, account_id, 'in', @wamid, 'text', 'live copy', 'received', 0, now()
            from chat.messages where id = @id
            returning id
            """;
        Assert.Empty(await c.QueryAsync<long>(Live, new { wamid = "wamid.import-1", id = imported.Id }));
        Assert.Single(await c.QueryAsync<long>(Live, new { wamid = "wamid.live-2", id = imported.Id }));
        Assert.Equal(1L, await c.ExecuteScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.import-1'"));

        // Imported again: the message stored live since is matched, not duplicated.
        var again = await ImportAsync(db, project, ImportFiles.Write(ImportFiles.EveryEntity(Now)));
        Assert.Equal(0, Row(again, "message").New);
        Assert.Equal(1L, await c.ExecuteScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.import-1'"));
    }

    [Fact]
    public async Task A_conversation_window_follows_the_real_timestamps_of_the_imported_history()
    {
        var (_, db, project) = await ProjectAsync("import_window");
        await using var _db = db;
        await ImportAsync(db, project, ImportFiles.Write(ImportFiles.EveryEntity(Now)));
        await using var c = await db.OpenConnectionAsync();

        // Positive control: the customer wrote an hour ago, so the window is open for 23 more hours.
        var open = await c.QuerySingleAsync<(bool IsOpen, DateTime ExpiresAt)>(
            "select is_open, expires_at from chat.window_state(@cv)", new { cv = await ConversationAsync(c, project, "cv-1") });
        Assert.True(open.IsOpen);
        Assert.Equal(Now.AddHours(23), open.ExpiresAt.ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        // The customer last wrote five days ago: closed since 24 hours after that message.
        var closed = await c.QuerySingleAsync<(bool IsOpen, DateTime? ClosedSince)>(
            "select is_open, closed_since from chat.window_state(@cv)", new { cv = await ConversationAsync(c, project, "cv-2") });
        Assert.False(closed.IsOpen);
        Assert.Equal(Now.AddDays(-4), closed.ClosedSince!.Value.ToUniversalTime(), TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Importing_the_same_file_again_changes_nothing_and_reports_zero_new()
    {
        var (_, db, project) = await ProjectAsync("import_rerun");
        await using var _db = db;
        var file = ImportFiles.Write(ImportFiles.EveryEntity(Now));
        var first = await ImportAsync(db, project, file);
        await using var c = await db.OpenConnectionAsync();
        const string State = """
            select (select count(*) from chat.messages) || '/' || (select count(*) from chat.conversations) || '/' || (select count(*) from chat.contacts)
                   || '/' || (select count(*) from chat.notes) || '/' || (select count(*) from chat.media) || '/' || (select count(*) from legacy.id_maps)
                   || '/' || (select string_agg(concat_ws(',', id, last_message_id, unread_count, last_inbound_at, status), ';' order by id) from chat.conversations)
            """;
        var before = await c.ExecuteScalarAsync<string>(State);

        var second = await ImportAsync(db, project, file);

        await AssertReconciledAsync(second);
        Assert.NotEqual(first.RunId, second.RunId);
        Assert.All(second.Report, r => Assert.Equal((0L, r.Source), (r.New, r.Present)));
        Assert.Equal(6, Row(second, "message").Present);
        Assert.Equal(before, await c.ExecuteScalarAsync<string>(State));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("select count(*) from ops.outbox"));
    }

    [Fact]
    public async Task An_overlapping_second_file_adds_only_what_is_new()
    {
        var (_, db, project) = await ProjectAsync("import_overlap");
        await using var _db = db;
        var lines = ImportFiles.EveryEntity(Now);
        await ImportAsync(db, project, ImportFiles.Write(lines));

        // A later export: the same records plus a new reply, a new customer and their conversation.
        var later = new List<string>(lines)
        {
            ImportFiles.Line(new { type = "message", v = 1, id = "m-7", conversation = "cv-1", direction = "out", kind = "text", text = "Sí, sigue.",
                                   occurredAt = ImportFiles.Iso(Now.AddMinutes(-30)), status = "delivered" }),
            ImportFiles.Line(new { type = "contact", v = 1, id = "c-3", channel = "whatsapp", externalId = "34600333444" }),
            ImportFiles.Line(new { type = "conversation", v = 1, id = "cv-3", account = "acc-wa", contact = "c-3" }),
            ImportFiles.Line(new { type = "message", v = 1, id = "m-8", conversation = "cv-3", direction = "in", kind = "text", text = "Hola",
                                   occurredAt = ImportFiles.Iso(Now.AddMinutes(-10)) }),
        };
        var second = await ImportAsync(db, project, ImportFiles.Write(later));

        await AssertReconciledAsync(second);
        Assert.Equal((2L, 6L), (Row(second, "message").New, Row(second, "message").Present));
        Assert.Equal((1L, 2L), (Row(second, "contact").New, Row(second, "contact").Present));
        Assert.Equal((1L, 2L), (Row(second, "conversation").New, Row(second, "conversation").Present));
        Assert.Equal(0, Row(second, "account").New);
        await using var c = await db.OpenConnectionAsync();
        Assert.Equal(8, await c.ExecuteScalarAsync<long>("select count(*) from chat.messages"));
        // The reply after the customer's messages: the conversation's preview moved and nothing is unread any more.
        var cv1 = await c.QuerySingleAsync<(string, int)>("select last_message_preview, unread_count from chat.conversations where id = @cv",
            new { cv = await ConversationAsync(c, project, "cv-1") });
        Assert.Equal(("Sí, sigue.", 0), cv1);
    }

    [Fact]
    public async Task An_interrupted_import_resumes_at_its_cursor_to_the_same_end_state()
    {
        var lines = ImportFiles.Many(Now, customers: 12, messagesEach: 6);
        lines.Insert(40, ImportFiles.Line(new { type = "message", v = 1, id = "m0-0", conversation = "cv0", direction = "in", kind = "text",
                                                text = "again", occurredAt = ImportFiles.Iso(Now) }));
        var file = ImportFiles.Write(lines);

        var (_, straightDb, straightProject) = await ProjectAsync("import_straight");
        await using var _s = straightDb;
        var straight = await ImportAsync(straightDb, straightProject, file, batch: 10);

        var (_, db, project) = await ProjectAsync("import_resumed");
        await using var _db = db;
        var stopped = await ImportAsync(db, project, file, batch: 10, stopAfter: 3);
        Assert.Equal("interrupted", stopped.Status);
        await using var c = await db.OpenConnectionAsync();
        Assert.Equal((30L, "interrupted"), await c.QuerySingleAsync<(long, string)>("select cursor_line, status from ops.import_runs where id = @RunId", new { stopped.RunId }));
        Assert.True(await c.ExecuteScalarAsync<long>("select count(*) from chat.messages") < lines.Count - 25);

        var resumed = await ImportAsync(db, project, file, batch: 10);

        Assert.True(resumed.Resumed);
        Assert.Equal(stopped.RunId, resumed.RunId);
        await AssertReconciledAsync(resumed);
        Assert.Equal(straight.Report, resumed.Report, new ReportComparer());
        // The duplicate on line 41 was caught across the interruption (its first copy was imported before it).
        Assert.Equal(1, Row(resumed, "message").Rejected);
        const string Thread = """
            select string_agg(concat_ws('|', m.source_id, x.direction, x.body, x.occurred_at, cv.unread_count, cv.last_message_preview), ';' order by m.source_id)
            from legacy.id_maps m join chat.messages x on x.id = m.new_id join chat.conversations cv on cv.id = x.conversation_id
            where m.kind = 'message'
            """;
        await using var s = await straightDb.OpenConnectionAsync();
        Assert.Equal(await s.ExecuteScalarAsync<string>(Thread), await c.ExecuteScalarAsync<string>(Thread));
    }

    /// <summary>A file for two batches in flight: the accounts, contacts and conversations first, then messages that
    /// take turns between the conversations (so neighbouring batches share threads), a Meta id a webhook stored before
    /// the import, one Meta id on lines of neighbouring batches, one twice in a batch, and notes.</summary>
    private static List<string> Interleaved()
    {
        var lines = new List<string>
        {
            ImportFiles.Line(new { type = "account", v = 1, id = "acc", channel = "whatsapp", externalId = "1065558888", wabaId = "waba-8", name = "Bulk" }),
            ImportFiles.Line(new { type = "agent", v = 1, id = "ag", email = "two.connections@example.com", name = "Ana" }),
        };
        for (var c = 0; c < 5; c++)
        {
            lines.Add(ImportFiles.Line(new { type = "contact", v = 1, id = $"c{c}", channel = "whatsapp", externalId = $"3461100{c:D4}" }));
            lines.Add(ImportFiles.Line(new { type = "conversation", v = 1, id = $"cv{c}", account = "acc", contact = $"c{c}" }));
        }
        for (var m = 0; m < 120; m++)
        {
            var wamid = m switch { 3 => "wamid.live", 44 or 51 => "wamid.neighbours", 70 or 72 => "wamid.twice", _ => $"wamid.i{m}" };
            lines.Add(ImportFiles.Line(new { type = "message", v = 1, id = $"m{m}", conversation = $"cv{m % 5}", direction = m % 3 == 0 ? "out" : "in",
                                             kind = "text", text = $"mensaje {m}", occurredAt = ImportFiles.Iso(Now.AddHours(-200 + m)),
                                             providerMessageId = wamid, agent = m % 3 == 0 ? "ag" : null }));
            if (m % 17 == 0)
                lines.Add(ImportFiles.Line(new { type = "note", v = 1, id = $"n{m}", conversation = $"cv{m % 5}", author = "ag", body = $"nota {m}",
                                                 createdAt = ImportFiles.Iso(Now.AddHours(-200 + m)) }));
        }
        return lines;
    }

    private const string EndState = """
        select (select string_agg(concat_ws('|', m.kind, m.source_id, x.direction, x.body, x.occurred_at, x.provider_message_id, x.sent_by_user_id is not null), ';'
                                  order by m.kind, m.source_id)
                from legacy.id_maps m left join chat.messages x on m.kind = 'message' and x.id = m.new_id)
            || '#' || (select string_agg(concat_ws('|', m.source_id, cv.unread_count, cv.last_message_preview, cv.last_message_at, cv.last_inbound_at), ';' order by m.source_id)
                       from legacy.id_maps m join chat.conversations cv on cv.id = m.new_id where m.kind = 'conversation')
            || '#' || (select count(*) from chat.messages) || '/' || (select count(*) from chat.notes) || '/' || (select count(*) from chat.message_provider_ids)
        """;

    private static async Task StoreLiveMessageAsync(NpgsqlDataSource db, long project)
    {
        // A webhook's message with the Meta id line 3 of the file carries, stored before the import (in a conversation
        // of its own: the import must map line 3 to it, not store it twice).
        await using var c = await db.OpenConnectionAsync();
        await c.ExecuteAsync("""
            with a as (insert into meta.accounts (project_id, channel, external_id, waba_id, name) values (@project, 'whatsapp', '1065558888', 'waba-8', 'Bulk') returning id),
                 k as (insert into chat.contacts (project_id, channel, external_id) values (@project, 'whatsapp', '34699999999') returning id),
                 cv as (insert into chat.conversations (project_id, account_id, contact_id, channel, status)
                        select @project, a.id, k.id, 'whatsapp', 'open' from a, k returning id, account_id)
            insert into chat.messages (project_id, conversation_id, account_id, direction, provider_message_id, type, body, status, status_rank, occurred_at)
            select @project, cv.id, cv.account_id, 'in', 'wamid.live', 'text', 'stored live', 'received', 0, '2026-01-01T00:00:00Z'::timestamptz from cv
            """, new { project });
    }

    [Fact]
    public async Task Two_connections_import_what_one_does_and_resume_the_same()
    {
        var file = ImportFiles.Write(Interleaved());
        var ends = new List<string>();
        var reports = new List<ImportResult>();
        foreach (var (label, connections) in new[] { ("import_one_connection", 1), ("import_two_connections", 2) })
        {
            var (_, db, project) = await ProjectAsync(label);
            await using var _db = db;
            await StoreLiveMessageAsync(db, project);
            var result = await ImportAsync(db, project, file, batch: 8, connections: connections);
            await AssertReconciledAsync(result);
            reports.Add(result);
            await using var c = await db.OpenConnectionAsync();
            ends.Add(await c.ExecuteScalarAsync<string>(EndState) ?? "");
        }
        Assert.Equal(ends[0], ends[1]);
        Assert.Equal(reports[0].Report, reports[1].Report, new ReportComparer());
        // The webhook's message, the neighbours' and the batch's repeated Meta ids: matched, each stored once.
        Assert.Equal(3, Row(reports[1], "message").Matched);
        Assert.Equal(120 - 3 + 1, long.Parse(ends[1].Split('#')[2].Split('/')[0])); // 117 stored + the live one

        // Interrupted after a few batches (one in flight rolls back) and resumed, two connections both times: the same.
        var (_, resumedDb, resumedProject) = await ProjectAsync("import_two_connections_resumed");
        await using var _r = resumedDb;
        await StoreLiveMessageAsync(resumedDb, resumedProject);
        var stopped = await ImportAsync(resumedDb, resumedProject, file, batch: 8, stopAfter: 6, connections: 2);
        Assert.Equal("interrupted", stopped.Status);
        await using var rc = await resumedDb.OpenConnectionAsync();
        Assert.Equal(48L, await rc.ExecuteScalarAsync<long>("select cursor_line from ops.import_runs where id = @RunId", new { stopped.RunId }));
        Assert.True(await rc.ExecuteScalarAsync<long>("select count(*) from legacy.id_maps where kind = 'message'") < 48);
        var resumed = await ImportAsync(resumedDb, resumedProject, file, batch: 8, connections: 2);
        Assert.True(resumed.Resumed);
        await AssertReconciledAsync(resumed);
        Assert.Equal(reports[1].Report, resumed.Report, new ReportComparer());
        Assert.Equal(ends[1], await rc.ExecuteScalarAsync<string>(EndState));
    }

    private sealed class ReportComparer : IEqualityComparer<ImportReportRow>
    {
        public bool Equals(ImportReportRow? a, ImportReportRow? b) =>
            a is not null && b is not null && (a.Entity, a.Source, a.New, a.Matched, a.Present, a.Rejected, a.Unexplained) ==
            (b.Entity, b.Source, b.New, b.Matched, b.Present, b.Rejected, b.Unexplained) && a.Reasons.SequenceEqual(b.Reasons);
        public int GetHashCode(ImportReportRow r) => r.Entity.GetHashCode();
    }
}
