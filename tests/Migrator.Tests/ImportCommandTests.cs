using Dapper;
using MultichannelMessages.Migrator.Import;
using MultichannelMessages.Platform.Import;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Migrator.Tests;

/// <summary><c>Migrator import</c> and <c>import-report</c> as an operator runs them, and what imported history must
/// not wake.</summary>
public sealed class ImportCommandTests
{
    [Fact]
    public async Task The_command_prints_progress_and_the_reconciliation_and_import_report_prints_it_again()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("import_command");
        await using var connection = new NpgsqlConnection(cs);
        var project = await connection.ExecuteScalarAsync<long>("select core.ensure_project('cmd', 'Command')");
        var lines = ImportFiles.EveryEntity(DateTime.UtcNow);
        lines.Add(ImportFiles.Line(new { type = "message", v = 1, id = "m-bad", conversation = "cv-404", direction = "in", kind = "text", text = "x",
                                         occurredAt = ImportFiles.Iso(DateTime.UtcNow) }));
        var file = ImportFiles.Write(lines);

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(0, await ImportCommand.RunAsync(cs, ["--project", project.ToString(), "--source", "generic", "--file", file, "--system", "acme", "--batch", "5"],
                                                     stdout, stderr, CancellationToken.None));
        Assert.Contains("ETA", stderr.ToString());
        Assert.Contains("100.0 %", stderr.ToString());
        var report = stdout.ToString();
        Assert.Contains("completed, 17 lines read", report);
        Assert.Matches(@"message\s+7\s+6\s+0\s+0\s+1\s+0", report);
        Assert.Contains("rejected message: unknown_conversation 1", report);
        Assert.Contains("line 17: message m-bad unknown_conversation", report);
        Assert.Contains("Reconciled", report);

        var runId = await connection.ExecuteScalarAsync<long>("select max(id) from ops.import_runs");
        var again = new StringWriter();
        Assert.Equal(0, await ImportCommand.ReportAsync(cs, ["--run", runId.ToString()], again, TextWriter.Null));
        Assert.Equal(report, again.ToString());

        // Negative controls: a bad argument and a missing file are refused before anything is read.
        var usage = new StringWriter();
        Assert.Equal(2, await ImportCommand.RunAsync(cs, ["--project", "x", "--file", file], TextWriter.Null, usage, CancellationToken.None));
        Assert.Contains("Usage: import", usage.ToString());
        Assert.Equal(2, await ImportCommand.RunAsync(cs, ["--project", "1", "--file", file + ".missing"], TextWriter.Null, TextWriter.Null, CancellationToken.None));
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("select count(*) from ops.import_runs"));
    }

    [Fact]
    public async Task A_rate_cap_spreads_the_import_over_at_least_its_messages_divided_by_the_cap()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("import_capped");
        await using var connection = new NpgsqlConnection(cs);
        var project = await connection.ExecuteScalarAsync<long>("select core.ensure_project('capped', 'Capped')");
        var start = DateTime.UtcNow.AddDays(-2);
        var lines = new List<string>
        {
            ImportFiles.Line(new { type = "account", v = 1, id = "a", channel = "messenger", externalId = "page-cap" }),
            ImportFiles.Line(new { type = "contact", v = 1, id = "c", channel = "messenger", externalId = "psid-cap" }),
            ImportFiles.Line(new { type = "conversation", v = 1, id = "cv", account = "a", contact = "c" }),
        };
        for (var i = 0; i < 600; i++)
            lines.Add(ImportFiles.Line(new { type = "message", v = 1, id = $"m{i}", conversation = "cv", direction = "in", kind = "text", text = $"m {i}",
                                             occurredAt = ImportFiles.Iso(start.AddSeconds(i)) }));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, await ImportCommand.RunAsync(cs, ["--project", project.ToString(), "--file", ImportFiles.Write(lines), "--batch", "100",
            "--max-rate", "1000"], TextWriter.Null, TextWriter.Null, CancellationToken.None));
        // 600 messages at 1,000/s cannot end before 0.6 s after the first batch (a lower bound: a slow machine is only slower).
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.5), $"took {clock.Elapsed.TotalSeconds:F2} s");
        Assert.Equal(600L, await connection.ExecuteScalarAsync<long>("select count(*) from chat.messages where project_id = @project", new { project }));
        Assert.Equal(2, await ImportCommand.RunAsync(cs, ["--project", project.ToString(), "--file", ImportFiles.Write(lines), "--max-rate", "-5"],
            TextWriter.Null, TextWriter.Null, CancellationToken.None));
    }

    [Fact]
    public async Task An_imported_file_once_downloaded_queues_no_AI_work_while_a_live_one_does()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("import_no_ai");
        await using var db = NpgsqlDataSource.Create(cs);
        await using var c = await db.OpenConnectionAsync();
        var project = await c.ExecuteScalarAsync<long>("select core.ensure_project('noai', 'No AI')");
        await c.ExecuteAsync("insert into bot.ai_providers (project_id, base_url, chat_model, vision_model) values (@project, 'https://ai.example.com', 'm', 'v')", new { project });
        await ImportEngine.RunAsync(db, new ImportOptions(project, ImportFiles.Write(ImportFiles.EveryEntity(DateTime.UtcNow)), "acme"), TextWriter.Null, CancellationToken.None);
        // The same image as a live message of the same conversation (a webhook's: no import run).
        var imported = await c.QuerySingleAsync<(long MessageId, long ConversationId, long AccountId)>(
            "select m.id, m.conversation_id, m.account_id from chat.media md join chat.messages m on m.id = md.message_id");
        var live = await c.ExecuteScalarAsync<long>("""
            with m as (insert into chat.messages (project_id, conversation_id, account_id, direction, type, status, status_rank, occurred_at)
                       values (@project, @ConversationId, @AccountId, 'in', 'image', 'received', 0, now()) returning id)
            insert into chat.media (project_id, message_id, ordinal, kind, url) select @project, id, 1, 'image', 'https://cdn.example.com/live.jpg' from m
            returning message_id
            """, new { project, imported.ConversationId, imported.AccountId });

        // The Worker's download loop claims both and stores them.
        foreach (var id in await c.QueryAsync<long>("select media_id from chat.claim_media_downloads('w1', 10, 60)"))
            Assert.True(await c.ExecuteScalarAsync<bool>("select chat.complete_media_download(@id, 'w1', 'k' || @id, 'image/jpeg', 10, 'ab')", new { id }));

        Assert.Equal([live], await c.QueryAsync<long>("select message_id from bot.ai_media_jobs"));
    }

    [Fact]
    public async Task A_second_importer_of_a_file_being_imported_stops_before_reading_it()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("import_twice");
        await using var db = NpgsqlDataSource.Create(cs);
        await using var c = await db.OpenConnectionAsync();
        var project = await c.ExecuteScalarAsync<long>("select core.ensure_project('twice', 'Twice')");
        var file = ImportFiles.Write(ImportFiles.EveryEntity(DateTime.UtcNow));
        var stopped = await ImportEngine.RunAsync(db, new ImportOptions(project, file, "acme", BatchSize: 4) { StopAfterBatches = 1 }, TextWriter.Null, CancellationToken.None);

        // Another session holds the run (as a running importer does): the second importer is refused.
        await using (var holder = await db.OpenConnectionAsync())
        {
            await holder.ExecuteAsync("select pg_advisory_lock(ops.import_lock_key(@RunId))", new { stopped.RunId });
            var refused = await Assert.ThrowsAsync<PostgresException>(() =>
                ImportEngine.RunAsync(db, new ImportOptions(project, file, "acme", BatchSize: 4), TextWriter.Null, CancellationToken.None));
            Assert.Contains("running in another process", refused.MessageText);
            await holder.ExecuteAsync("select pg_advisory_unlock_all()");
        }
        // Positive control: once it is free, the same command resumes and completes it.
        var resumed = await ImportEngine.RunAsync(db, new ImportOptions(project, file, "acme", BatchSize: 4), TextWriter.Null, CancellationToken.None);
        Assert.Equal((stopped.RunId, "completed", true), (resumed.RunId, resumed.Status, resumed.Resumed));
        Assert.Equal(6, resumed.Report.Single(r => r.Entity == "message").New);
    }

    [Fact]
    public async Task The_example_file_of_docs_import_md_imports_without_a_reject()
    {
        var doc = await File.ReadAllTextAsync(Path.Combine(PostgresServer.RepoRoot(), "docs", "import.md"));
        var start = doc.IndexOf("```jsonl\n", StringComparison.Ordinal) + "```jsonl\n".Length;
        var example = doc[start..doc.IndexOf("```", start, StringComparison.Ordinal)];
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("import_doc_example");
        await using var db = NpgsqlDataSource.Create(cs);
        await using var c = await db.OpenConnectionAsync();
        var project = await c.ExecuteScalarAsync<long>("select core.ensure_project('doc', 'Doc')");

        var result = await ImportEngine.RunAsync(db, new ImportOptions(project, ImportFiles.Write(example.TrimEnd().Split('\n')), "doc"),
                                                 TextWriter.Null, CancellationToken.None);

        Assert.Equal("completed", result.Status);
        Assert.All(result.Report, r => Assert.Equal((0L, 0L, r.Source), (r.Rejected, r.Unexplained, r.New)));
        Assert.Equal(3, result.Report.Single(r => r.Entity == "message").New);
        Assert.Equal("read", await c.ExecuteScalarAsync<string>("select status from chat.messages where body = 'Sí.'"));
    }

    [Fact]
    public async Task Imported_customer_messages_start_no_chatbot_flow_that_the_same_messages_live_would_start()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("import_no_bot");
        await using var db = NpgsqlDataSource.Create(cs);
        await using var c = await db.OpenConnectionAsync();
        var project = await c.ExecuteScalarAsync<long>("select core.ensure_project('nobot', 'No bot')");
        var number = DemoFlowSeeder.AccountExternalIds[0];
        // The demo flow, active on new conversations of the number the file's history belongs to.
        await c.ExecuteAsync("insert into meta.accounts (project_id, channel, external_id, waba_id, name) values (@project, 'whatsapp', @number, 'waba-1', 'Demo')",
            new { project, number });
        await DemoFlowSeeder.SeedAsync(cs, project);
        var lines = ImportFiles.EveryEntity(DateTime.UtcNow).Select(l => l.Replace("\"externalId\":\"1065550001\"", $"\"externalId\":\"{number}\"")).ToList();

        var result = await ImportEngine.RunAsync(db, new ImportOptions(project, ImportFiles.Write(lines), "acme"), TextWriter.Null, CancellationToken.None);

        Assert.Equal(1, result.Report.Single(r => r.Entity == "account").Matched);
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("select count(*) from bot.flow_sessions"));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("select count(*) from ops.outbox"));
        // Positive control: handed to the chatbot runtime as ingestion hands live messages, the same messages start it.
        await c.ExecuteAsync("""
            select bot.flow_on_messages(array(select id from chat.messages where direction = 'in' and account_id = a.id order by id),
                                        array(select id from chat.conversations where account_id = a.id))
            from meta.accounts a where a.external_id = @number
            """, new { number });
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("select count(*) from bot.flow_sessions"));
    }
}
