using Dapper;
using MultichannelMessages.Migrator.Import;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Migrator.Tests;

/// <summary>
/// A WhatsApp chat export imported through <c>Migrator import --source whatsapp_export</c> (docs/import.md "WhatsApp
/// chat export"): the chat becomes ordinary history on the project's number — directions from the business's names,
/// multi-line messages whole, omitted media kept as failed files, the app's own lines reported — and a longer export of
/// the same chat later adds only its new messages. Nothing is sent.
/// </summary>
public sealed class WhatsAppExportImportTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "import", name);

    private static async Task<int> ImportAsync(string cs, long project, string file, StringWriter stdout) =>
        await ImportCommand.RunAsync(cs, ["--project", project.ToString(), "--source", "whatsapp_export", "--file", file,
            "--phone-number-id", "1065554444", "--waba-id", "waba-wa", "--customer-phone", "+34 600 111 222",
            "--business-names", "Tienda Sol", "--time-zone", "Europe/Madrid"], stdout, TextWriter.Null, CancellationToken.None);

    [Fact]
    public async Task An_exported_chat_is_imported_as_history_and_a_longer_export_later_adds_only_the_new_messages()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("wa_export");
        await using var c = new NpgsqlConnection(cs);
        var project = await c.ExecuteScalarAsync<long>("select core.ensure_project('wa_export', 'Import')");

        var report = new StringWriter();
        Assert.Equal(0, await ImportAsync(cs, project, Fixture("whatsapp-android-es.txt"), report));
        Assert.Contains("Reconciled", report.ToString());
        Assert.Contains("rejected message: unsupported_message_type 3", report.ToString()); // the app's line, a deleted message, a call
        Assert.Contains("Field decisions", report.ToString());

        var thread = (await c.QueryAsync<(string Direction, string Type, string? Body)>("""
            select m.direction, m.type, m.body from chat.messages m join chat.contacts k on k.id = (select contact_id from chat.conversations where id = m.conversation_id)
            where k.external_id = '34600111222' order by m.occurred_at, m.id
            """)).ToList();
        Assert.Equal(10, thread.Count);
        Assert.Equal(("out", "¡Hola María! Sí, nos quedan dos.\n¿Te lo reservamos?"), (thread[1].Direction, thread[1].Body));
        Assert.Equal(["in", "out", "in", "in", "in", "out", "in", "in", "out", "in"], thread.Select(m => m.Direction).ToArray());
        Assert.Equal(2L, await c.ExecuteScalarAsync<long>("""
            select count(*) from chat.media d join chat.messages m on m.id = d.message_id
            where m.project_id = @project and d.download_status = 'failed' and d.url is null
            """, new { project }));
        // The window follows the real times: the customer last wrote in March 2024.
        Assert.Equal(new DateTime(2024, 3, 14, 17, 30, 0), await c.ExecuteScalarAsync<DateTime>(
            "select last_inbound_at at time zone 'UTC' from chat.conversations where project_id = @project", new { project }));

        // The same chat exported again a day later, one message longer: only that message is new.
        var longer = Path.Combine(Directory.CreateTempSubdirectory("mm-wa-import-").FullName, "chat.txt");
        await File.WriteAllTextAsync(longer, await File.ReadAllTextAsync(Fixture("whatsapp-android-es.txt"))
                                             + "15/03/2024, 11:00 - María López: Ya lo tengo, ¡gracias!\n");
        var again = new StringWriter();
        Assert.Equal(0, await ImportAsync(cs, project, longer, again));
        Assert.Matches(@"message\s+14\s+1\s+0\s+10\s+3\s+0", again.ToString());
        Assert.Equal(11L, await c.ExecuteScalarAsync<long>("select count(*) from chat.messages where project_id = @project", new { project }));
        Assert.Equal(0L, await c.ExecuteScalarAsync<long>("select count(*) from ops.outbox"));

        // A file that is not an export is refused as a whole, with the reason, and imports nothing.
        var notes = Path.Combine(Path.GetDirectoryName(longer)!, "notes.txt");
        await File.WriteAllTextAsync(notes, "shopping list\n");
        var error = new StringWriter();
        Assert.Equal(2, await ImportCommand.RunAsync(cs, ["--project", project.ToString(), "--source", "whatsapp_export", "--file", notes,
            "--phone-number-id", "1065554444", "--customer-phone", "+34600111222", "--business-names", "Tienda Sol", "--time-zone", "Europe/Madrid"],
            TextWriter.Null, error, CancellationToken.None));
        Assert.Contains("not a WhatsApp chat export", error.ToString());
        Assert.Equal(11L, await c.ExecuteScalarAsync<long>("select count(*) from chat.messages where project_id = @project", new { project }));
    }
}
