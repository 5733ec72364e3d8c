using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MultichannelMessages.Contracts.Import;
using MultichannelMessages.Platform.Import;
using Npgsql;
using static MultichannelMessages.CoreApi.Tests.ProblemResponses;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>
/// Imports from the console's side of the Core API (docs/import.md "From the console"): an upload is checked, kept in
/// the media store byte for byte and queued for a Worker, in the command log; a queued job is cancelled once; the
/// report is the run's own reconciliation, with the rows not imported (all of them in the CSV) and the fields dropped.
/// The Worker's side is Worker.Tests/Import/ImportJobTests.
/// </summary>
public sealed class ImportApiTests(CoreHost host) : IClassFixture<CoreHost>
{
    private string Url(string query = "", long? projectId = null) => $"/projects/{projectId ?? host.DemoProjectId}/imports{query}";

    private static ByteArrayContent Body(string text) => new(Encoding.UTF8.GetBytes(text));

    private static string GenericFile(string tag) => string.Join("\n",
        JsonSerializer.Serialize(new { type = "agent", v = 1, id = "ag-" + tag, email = $"{tag}@import.local", name = "Ana" }),
        JsonSerializer.Serialize(new { type = "tag", v = 1, id = "t-" + tag, name = "Imported " + tag })) + "\n";

    [Fact]
    public async Task An_upload_is_kept_byte_for_byte_queued_for_a_Worker_in_the_command_log_and_cancelled_once()
    {
        var admin = await host.As("admin@demo.local");
        var text = GenericFile("queued-" + Guid.NewGuid().ToString("N")[..8]);
        var response = await admin.PostAsync(Url("?source=generic&system=acme&fileName=export.jsonl"), Body(text));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = (await response.Content.ReadFromJsonAsync<ImportJobItem>())!;
        Assert.Equal(("generic", "acme", "export.jsonl", "queued", (long)Encoding.UTF8.GetByteCount(text)),
            (job.Source, job.SourceSystem, job.FileName, job.Status, job.SizeBytes));

        // In the media store under its content's hash, byte for byte; in the command log with who and what.
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        Assert.Equal(text, await File.ReadAllTextAsync(Path.Combine(host.MediaRoot, $"p{host.DemoProjectId}", "import", sha)));
        var logged = await host.ScalarAsync<string>("""
            select actor || ' ' || (after ->> 'fileName') || ' ' || (after ->> 'sha256') from ops.command_log
            where action = 'import.start' and target_id = @id
            """, new { id = job.Id.ToString() });
        Assert.Equal($"admin@demo.local export.jsonl {sha}", logged);

        var list = (await admin.GetFromJsonAsync<ImportsView>(Url()))!;
        Assert.Contains(list.Jobs, j => j.Id == job.Id && j.Status == "queued");

        // Queued: cancelled at once. Twice: the job has ended (409). Another project's admin: not found.
        var cancelled = await admin.PostAsync(Url($"/{job.Id}/cancel"), null);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal(("cancelled", true), ((await cancelled.Content.ReadFromJsonAsync<ImportJobItem>())!.Status, true));
        Assert.Equal(1, await host.ScalarAsync<int>("select count(*)::int from ops.command_log where action = 'import.cancel' and target_id = @id",
            new { id = job.Id.ToString() }));
        Assert.Equal((HttpStatusCode.Conflict, ImportErrors.NotCancellable, (string?)null),
            await ProblemOf(await admin.PostAsync(Url($"/{job.Id}/cancel"), null)));
        var outsider = await host.As("outsider@other.local");
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.PostAsync(Url($"/{job.Id}/cancel", host.OtherProjectId), null)).StatusCode);
        Assert.Equal("cancelled", await host.ScalarAsync<string>("select status from ops.import_jobs where id = @id", new { id = job.Id }));
    }

    [Fact]
    public async Task A_bad_upload_is_refused_naming_its_field_and_nothing_is_queued_or_stored()
    {
        var admin = await host.As("admin@demo.local");
        var before = await host.ScalarAsync<long>("select count(*) from ops.import_jobs where project_id = @DemoProjectId", new { host.DemoProjectId });
        var messengerAccount = await host.ScalarAsync<long>(
            "select id from meta.accounts where project_id = @DemoProjectId and channel <> 'whatsapp' order by id limit 1", new { host.DemoProjectId });
        var wa = $"?source=whatsapp_export&fileName=chat.txt&accountId={host.DemoAccountId}";
        var cases = new (string Query, string Body, string Code, string Field)[]
        {
            ("?source=zendesk&fileName=a.jsonl", "{}", ImportErrors.UnknownSource, "source"),
            ("?source=generic", "{}", ImportErrors.InvalidFileName, "fileName"),
            ("?source=generic&fileName=../../etc/passwd", "{}", ImportErrors.InvalidFileName, "fileName"),
            ("?source=generic&fileName=a.jsonl&system=Not%20A%20Name!", "{}", ImportErrors.InvalidSystem, "system"),
            ("?source=generic&fileName=a.jsonl", "", ImportErrors.EmptyFile, "body"),
            ("?source=generic&fileName=a.csv", "phone,name\n34600111222,Ana\n", ImportErrors.NotJsonLines, "body"),
            ($"?source=whatsapp_export&fileName=chat.txt&accountId={messengerAccount}&customerPhone=%2B34600111222&businessNames=Shop&timeZone=Europe/Madrid",
                "x", ImportErrors.AccountNotWhatsApp, "accountId"),
            (wa + "&customerPhone=12&businessNames=Shop&timeZone=Europe/Madrid", "x", ImportErrors.InvalidPhone, "customerPhone"),
            (wa + "&customerPhone=%2B34600111222&timeZone=Europe/Madrid", "x", ImportErrors.BusinessNamesRequired, "businessNames"),
            (wa + "&customerPhone=%2B34600111222&businessNames=Shop&timeZone=Mars/Olympus", "x", ImportErrors.InvalidTimeZone, "timeZone"),
            (wa + "&customerPhone=%2B34600111222&businessNames=Shop&timeZone=Europe/Madrid&dateOrder=YMD", "x", ImportErrors.InvalidDateOrder, "dateOrder"),
        };
        foreach (var (query, body, code, field) in cases)
        {
            var (status, gotCode, gotField) = await ProblemOf(await admin.PostAsync(Url(query), Body(body)));
            Assert.True((status, gotCode, gotField) == (HttpStatusCode.BadRequest, code, field),
                $"{query}: expected 400 {code} on {field}, got {(int)status} {gotCode} {gotField}");
        }
        Assert.Equal(before, await host.ScalarAsync<long>("select count(*) from ops.import_jobs where project_id = @DemoProjectId", new { host.DemoProjectId }));

        // Positive control: the same WhatsApp export with every setting right is queued, its settings resolved from the number.
        var ok = await admin.PostAsync(Url(wa + "&customerPhone=%2B34%20600%20111%20222&businessNames=Shop,%20Ana%20(Shop)&timeZone=Europe/Madrid"),
            Body("[12/03/2024, 14:05:33] Ana: hola\n"));
        Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        var job = (await ok.Content.ReadFromJsonAsync<ImportJobItem>())!;
        var options = JsonDocument.Parse(await host.ScalarAsync<string>("select options::text from ops.import_jobs where id = @id", new { id = job.Id })).RootElement;
        Assert.Equal("+34600111222", options.GetProperty("customerPhone").GetString());
        Assert.Equal(["Shop", "Ana (Shop)"], options.GetProperty("businessNames").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal(await host.ScalarAsync<string>("select external_id from meta.accounts where id = @DemoAccountId", new { host.DemoAccountId }),
            options.GetProperty("phoneNumberId").GetString());
        Assert.Equal(("whatsapp_export", "whatsapp_export"), (job.Source, job.SourceSystem));
        await admin.PostAsync(Url($"/{job.Id}/cancel"), null); // no Worker here: leave nothing queued
    }

    [Fact]
    public async Task The_report_is_the_runs_reconciliation_with_every_reject_in_the_CSV_and_the_fields_dropped()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var lines = new List<string>
        {
            JsonSerializer.Serialize(new { type = "agent", v = 1, id = "ag-1", email = $"r{tag}@import.local", name = "Ana", shoeSize = 38 }),
            "{not json",
            JsonSerializer.Serialize(new { type = "contact", v = 1, id = "c-1", channel = "email", externalId = "a@b.c" }),
            JsonSerializer.Serialize(new { type = "tag", v = 1, id = "t-1", name = "Imported " + tag }),
        };
        var path = Path.Combine(Directory.CreateTempSubdirectory("mm-import-api-").FullName, "report.jsonl");
        await File.WriteAllLinesAsync(path, lines);
        await using var db = NpgsqlDataSource.Create(host.ConnectionString);
        var result = await ImportEngine.RunAsync(db, new ImportOptions(host.DemoProjectId, path, "report-" + tag), TextWriter.Null, CancellationToken.None);

        var admin = await host.As("admin@demo.local");
        var report = (await admin.GetFromJsonAsync<ImportReportView>(Url($"/runs/{result.RunId}")))!;
        Assert.True(report.Reconciled);
        Assert.Equal(("completed", "report.jsonl"), (report.Run.Status, report.Run.FileName));
        Assert.Equal((1L, 1L), (report.Counts.Single(c => c.Entity == "agent").Source, report.Counts.Single(c => c.Entity == "agent").New));
        Assert.Equal(1L, report.Counts.Single(c => c.Entity == "contact").Reasons["unsupported_channel"]);
        Assert.Equal(1L, report.Counts.Single(c => c.Entity == "record").Reasons["malformed_json"]);
        Assert.Equal(1L, report.DroppedFields["agent.shoeSize"]);
        Assert.Equal(2L, report.RejectsTotal);
        Assert.Equal([2L, 3L], report.Rejects.Select(r => r.Line).ToArray());

        var csv = await admin.GetStringAsync(Url($"/runs/{result.RunId}/rejects.csv"));
        var rows = csv.Trim().Split('\n');
        Assert.Equal("line,entity,source_id,reason,detail", rows[0].Trim());
        Assert.Equal(3, rows.Length);
        Assert.StartsWith("3,contact,c-1,unsupported_channel", rows[2]);

        // Another project's run is not found; the list shows the command-line run too.
        var outsider = await host.As("outsider@other.local");
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(Url($"/runs/{result.RunId}", host.OtherProjectId))).StatusCode);
        Assert.Contains((await admin.GetFromJsonAsync<ImportsView>(Url()))!.Runs, r => r.Id == result.RunId && r.Percent == 100);
    }
}
