using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>Issue 18 in the console: an admin uploads an export, the Worker imports it with the progress live on the
/// page, and the run's reconciliation report shows every record accounted for, the row that could not be imported
/// with its line and reason, and the field the format does not have.</summary>
public sealed partial class ConsoleTests
{
    [BrowserFact]
    public Task An_admin_imports_an_export_from_the_console_and_reads_its_reconciliation_report() => Diagnosed(async () =>
    {
        var admin = await platform.SignInAsync("admin@demo.local");
        await admin.GetByTestId("nav-admin").ClickAsync();
        await Expect(admin.GetByTestId("admin-import")).ToHaveAttributeAsync("data-loaded", "true");
        var system = "legacy-" + Guid.NewGuid().ToString("N")[..6];

        // A CSV is not the format: refused beside the file field, nothing queued (the positive control follows).
        await admin.GetByTestId("import-system").FillAsync(system);
        await admin.GetByTestId("import-file").SetInputFilesAsync(new FilePayload
        {
            Name = "contacts.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes("phone,name\n34600111222,Ana\n"),
        });
        await admin.GetByTestId("import-start").ClickAsync();
        await Expect(admin.GetByTestId("import-file-error")).ToContainTextAsync("JSON Lines");
        Assert.Equal(0L, await DbAsync<long>("select count(*) from ops.import_jobs where source_system = @system", new { system }));

        var start = DateTime.UtcNow.AddDays(-30);
        var customer = "3469" + Random.Shared.Next(1000000, 9999999);
        var lines = new List<string>
        {
            JsonSerializer.Serialize(new { type = "account", v = 1, id = "wa", channel = "whatsapp", externalId = "10655" + Random.Shared.Next(100000, 999999), wabaId = "waba-old", name = "Old number" }),
            JsonSerializer.Serialize(new { type = "contact", v = 1, id = "c1", channel = "whatsapp", externalId = customer, name = "Imported Irene", crmId = "X-9" }),
            JsonSerializer.Serialize(new { type = "conversation", v = 1, id = "cv1", account = "wa", contact = "c1", status = "resolved" }),
        };
        for (var i = 0; i < 400; i++)
            lines.Add(JsonSerializer.Serialize(new { type = "message", v = 1, id = $"m{i}", conversation = "cv1", direction = i % 2 == 0 ? "in" : "out",
                kind = "text", text = $"Old message {i}", occurredAt = start.AddMinutes(i).ToString("yyyy-MM-ddTHH:mm:ssZ") }));
        lines.Add(JsonSerializer.Serialize(new { type = "message", v = 1, id = "orphan", conversation = "nowhere", direction = "in", kind = "text",
            text = "lost?", occurredAt = start.ToString("yyyy-MM-ddTHH:mm:ssZ") }));
        await admin.GetByTestId("import-file").SetInputFilesAsync(new FilePayload
        {
            Name = "old-inbox.jsonl", MimeType = "application/x-ndjson", Buffer = Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"),
        });
        await admin.GetByTestId("import-start").ClickAsync();
        await Expect(admin.GetByTestId("import-file-error")).ToHaveCountAsync(0);

        var job = admin.GetByTestId("import-job").Filter(new() { HasText = "old-inbox.jsonl" });
        await Expect(job).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 60_000 });
        await Expect(job.GetByTestId("import-job-progress")).ToHaveAttributeAsync("data-percent", "100");
        Assert.True(await DbAsync<long>("""
            select count(*) from ops.change_feed f join ops.import_jobs j on j.id = (f.payload->>'jobId')::bigint
            where f.kind = 'import_progress' and j.source_system = @system
            """, new { system }) >= 1);

        await job.GetByTestId("import-open-report").ClickAsync();
        var report = admin.GetByTestId("import-report");
        await Expect(report.GetByTestId("import-reconciled")).ToHaveAttributeAsync("data-reconciled", "true");
        var messages = report.Locator("[data-testid=import-count][data-entity=message]");
        await Expect(messages.Locator("td").Nth(0)).ToHaveTextAsync("401");
        await Expect(messages.Locator("td").Nth(1)).ToHaveTextAsync("400");
        await Expect(report.Locator("[data-testid=import-reject][data-reason=unknown_conversation]")).ToHaveAttributeAsync("data-line", "404");
        await Expect(report.GetByTestId("import-dropped-fields")).ToContainTextAsync("contact.crmId");
        await Expect(report.GetByTestId("import-rejects-csv")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("/rejects.csv$"));
        await report.ScrollIntoViewIfNeededAsync();
        await platform.ScreenshotAsync(admin, "admin-import-report");

        // Imported history is ordinary history, and nothing of it was sent.
        Assert.Equal(400L, await DbAsync<long>("""
            select count(*) from chat.messages m join chat.contacts c on c.id = (select contact_id from chat.conversations where id = m.conversation_id)
            where c.external_id = @customer and m.import_run_id is not null
            """, new { customer }));
        Assert.Equal(0L, await DbAsync<long>("""
            select count(*) from ops.outbox o join chat.messages m on m.id = o.message_id where m.import_run_id is not null
            """));
        await admin.Context.CloseAsync();
    });
}
