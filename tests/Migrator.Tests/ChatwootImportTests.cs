using Dapper;
using MultichannelMessages.Migrator.Tests.Chatwoot;
using MultichannelMessages.Platform.Import;
using MultichannelMessages.Platform.Import.Sources;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Migrator.Tests;

/// <summary>
/// Chatwoot as an import source (docs/import.md "Chatwoot"): a Chatwoot-shaped database read through its connection
/// string becomes ordinary history of the project — one account's rows only, every row accounted for (imported, or
/// reported with its reason: a web widget's inbox, activity lines, a bot's note), re-runs changing nothing, a grown
/// account adding only its new rows, and nothing sent.
/// </summary>
public sealed class ChatwootImportTests
{
    private static async Task<(NpgsqlDataSource Db, long Project)> ProjectAsync(string label)
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync(label);
        var db = NpgsqlDataSource.Create(cs);
        await using var connection = await db.OpenConnectionAsync();
        return (db, await connection.ExecuteScalarAsync<long>("select core.ensure_project(@label, 'Import')", new { label }));
    }

    private static Task<ImportResult> ImportAsync(NpgsqlDataSource db, long project, string chatwoot) =>
        ImportEngine.ConvertAndRunAsync(db, new ChatwootSource(chatwoot, ChatwootDatabase.Account),
            new ImportOptions(project, Path.Combine(Path.GetTempPath(), $"mm-cw-{Guid.NewGuid():N}.jsonl"), "chatwoot", BatchSize: 7),
            TextWriter.Null, CancellationToken.None);

    private static (long Source, long New, long Present, long Rejected) Counts(ImportResult r, string entity) =>
        r.Report.Single(x => x.Entity == entity) is var row ? (row.Source, row.New, row.Present, row.Rejected) : default;

    private static async Task<T> Scalar<T>(NpgsqlDataSource db, string sql, object? args = null)
    {
        await using var c = await db.OpenConnectionAsync();
        return (await c.ExecuteScalarAsync<T>(sql, args))!;
    }

    [Fact]
    public async Task A_Chatwoot_account_becomes_ordinary_history_with_every_row_accounted_for_and_nothing_sent()
    {
        var chatwoot = await ChatwootDatabase.CreateAsync("cw_source");
        var (db, project) = await ProjectAsync("cw_import");
        await using var _ = db;
        var result = await ImportAsync(db, project, chatwoot);

        Assert.Equal("completed", result.Status);
        Assert.All(result.Report, r => Assert.Equal(0, r.Unexplained));
        Assert.Equal((2L, 2L, 0L, 0L), Counts(result, "agent"));
        Assert.Equal((2L, 2L, 0L, 0L), Counts(result, "tag"));
        Assert.Equal((4L, 3L, 0L, 1L), Counts(result, "account"));
        Assert.Equal((1L, 1L, 0L, 0L), Counts(result, "template"));
        Assert.Equal((4L, 3L, 0L, 1L), Counts(result, "contact"));
        Assert.Equal((4L, 3L, 0L, 1L), Counts(result, "conversation"));
        Assert.Equal((15L, 11L, 0L, 4L), Counts(result, "message"));
        Assert.Equal((3L, 2L, 0L, 1L), Counts(result, "note"));
        var reasons = result.Report.ToDictionary(r => r.Entity, r => r.Reasons);
        Assert.Equal(1L, reasons["account"]["unsupported_channel"]);          // the web widget
        Assert.Equal(1L, reasons["conversation"]["unknown_account"]);         // its conversation
        Assert.Equal(3L, reasons["message"]["unsupported_message_type"]);     // activity, deleted, story mention
        Assert.Equal(1L, reasons["message"]["unknown_conversation"]);         // the web widget's message
        Assert.Equal(1L, reasons["note"]["unknown_agent"]);                   // the bot's private note
        Assert.Equal(1L, reasons["conversation.tag"]["unknown_tag"]);         // "ghost", a title no label has
        var fields = await ImportReport.ReadFieldsAsync(await db.OpenConnectionAsync(), result.RunId);
        Assert.Contains(fields.Decisions, d => d.Entity == "messages" && d.SourceField == "private");
        Assert.Empty(fields.Dropped); // the converter writes only fields the format has

        await using var c = await db.OpenConnectionAsync();
        // The WhatsApp conversation: open, assigned to Ana (created inactive), tagged vip, its thread in order.
        var whatsapp = await c.QuerySingleAsync<(long Id, string Status, string? Assignee, string Tags)>("""
            select v.id, v.status, u.email as assignee, (select string_agg(t.name, ',') from chat.conversation_tags ct join chat.tags t on t.id = ct.tag_id
                                                         where ct.conversation_id = v.id) as tags
            from chat.conversations v join meta.accounts a on a.id = v.account_id left join core.users u on u.id = v.assigned_user_id
            where v.project_id = @project and a.external_id = @id
            """, new { project, id = ChatwootDatabase.WhatsAppPhoneNumberId });
        Assert.Equal(("open", "ana.cw@tiendasol.example", "vip"), (whatsapp.Status, whatsapp.Assignee, whatsapp.Tags));
        var thread = (await c.QueryAsync<(string Direction, string Type, string? Body, string Status, string? ErrorTitle, string? ReplyTo)>("""
            select direction, type, body, status, error_title, reply_to_provider_id from chat.messages where conversation_id = @Id order by occurred_at, id
            """, new { whatsapp.Id })).ToList();
        Assert.Equal(["text", "text", "text", "image", "document", "location", "text", "text"], thread.Select(m => m.Type).ToArray());
        Assert.Equal(("out", "read"), (thread[1].Direction, thread[1].Status));
        Assert.Equal(("failed", "131047: Re-engagement message"), (thread[2].Status, thread[2].ErrorTitle));
        Assert.Equal("wamid.cw-2", thread[7].ReplyTo);
        Assert.Equal(("https://cdn.example.com/cw/photo.jpg", "pending"), await c.QuerySingleAsync<(string, string)>("""
            select d.url, d.download_status from chat.media d join chat.messages m on m.id = d.message_id
            where m.conversation_id = @Id and m.type = 'image'
            """, new { whatsapp.Id }));
        Assert.Equal(("invoice.pdf", "failed"), await c.QuerySingleAsync<(string, string)>("""
            select d.file_name, d.download_status from chat.media d join chat.messages m on m.id = d.message_id
            where m.conversation_id = @Id and m.type = 'document'
            """, new { whatsapp.Id }));
        Assert.Equal(["Clienta VIP, tratar con cariño"], (await c.QueryAsync<string>(
            "select body from chat.notes where conversation_id = @Id", new { whatsapp.Id })).ToArray());
        // The customer's attributes: the business's own keys kept, Chatwoot's under "chatwoot".
        Assert.Equal(("gold", "maria@example.com", "María López"), await c.QuerySingleAsync<(string, string, string)>("""
            select attributes ->> 'plan', attributes -> 'chatwoot' ->> 'email', display_name from chat.contacts
            where project_id = @project and external_id = '34600111222'
            """, new { project }));

        // Account 2 never reaches the platform; secrets are never copied; nothing is sent.
        Assert.Equal(0L, await c.ExecuteScalarAsync<long>("""
            select (select count(*) from chat.contacts where external_id = '34999000111')
                 + (select count(*) from core.users where email = 'zoe@another.example')
                 + (select count(*) from chat.messages where body like '%another company%')
                 + (select count(*) from chat.tags where name = 'secret-label')
            """));
        Assert.Equal(0L, await c.ExecuteScalarAsync<long>("select count(*) from ops.outbox"));
        Assert.Equal(0L, await c.ExecuteScalarAsync<long>("select count(*) from legacy.id_maps where source_id like '%SECRET%'"));
    }

    [Fact]
    public async Task Converting_the_same_account_again_changes_nothing_and_a_grown_account_adds_only_its_new_rows()
    {
        var chatwoot = await ChatwootDatabase.CreateAsync("cw_again_source");
        var (db, project) = await ProjectAsync("cw_again");
        await using var _ = db;
        var first = await ImportAsync(db, project, chatwoot);
        var messages = await Scalar<long>(db, "select count(*) from chat.messages where project_id = @project", new { project });

        var again = await ImportAsync(db, project, chatwoot);
        Assert.NotEqual(first.RunId, again.RunId);
        Assert.Equal((15L, 0L, 11L, 4L), Counts(again, "message"));
        Assert.Equal((4L, 0L, 3L, 1L), Counts(again, "conversation"));
        Assert.Equal(messages, await Scalar<long>(db, "select count(*) from chat.messages where project_id = @project", new { project }));

        await ChatwootDatabase.AddMessageAsync(chatwoot, "¿Sigue reservado?");
        var grown = await ImportAsync(db, project, chatwoot);
        Assert.Equal((16L, 1L, 11L, 4L), Counts(grown, "message"));
        Assert.Equal(messages + 1, await Scalar<long>(db, "select count(*) from chat.messages where project_id = @project", new { project }));
        Assert.Equal("¿Sigue reservado?", await Scalar<string>(db, """
            select body from chat.messages where project_id = @project order by occurred_at desc, id desc limit 1
            """, new { project }));
        Assert.All(grown.Report, r => Assert.Equal(0, r.Unexplained));
    }

    [Fact]
    public async Task A_wrong_account_or_an_unreachable_database_is_refused_before_anything_is_imported()
    {
        var chatwoot = await ChatwootDatabase.CreateAsync("cw_refused_source");
        var (db, project) = await ProjectAsync("cw_refused");
        await using var _ = db;
        var file = Path.Combine(Path.GetTempPath(), $"mm-cw-{Guid.NewGuid():N}.jsonl");
        var missing = await Assert.ThrowsAsync<ImportSourceException>(() => ImportEngine.ConvertAndRunAsync(db, new ChatwootSource(chatwoot, 99),
            new ImportOptions(project, file, "chatwoot"), TextWriter.Null, CancellationToken.None));
        Assert.Contains("no account 99", missing.Message);
        var unreachable = await Assert.ThrowsAsync<ImportSourceException>(() => ImportEngine.ConvertAndRunAsync(db,
            new ChatwootSource("Host=127.0.0.1;Port=1;Database=chatwoot;Timeout=2", 1), new ImportOptions(project, file, "chatwoot"),
            TextWriter.Null, CancellationToken.None));
        Assert.Contains("Cannot connect", unreachable.Message);
        Assert.Equal(0L, await Scalar<long>(db, "select count(*) from ops.import_runs where project_id = @project", new { project }));
        Assert.False(File.Exists(file));
    }
}
