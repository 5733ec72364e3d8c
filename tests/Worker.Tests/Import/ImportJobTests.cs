using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Platform.Import;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Import;

/// <summary>
/// Imports queued from the console, run by the Worker's import loop (docs/import.md "From the console"): the upload is
/// read from the media store and imported by the engine under a lease, with progress pushed to the consoles; a cancel
/// stops it at the next batch; a job whose Worker died is taken over and its run resumes at the cursor, nothing twice;
/// an upload gone from the store fails with the reason. Nothing imported is ever sent.
/// </summary>
public sealed class ImportJobTests
{
    private static readonly (string, string)[] Fast = [("Import:IntervalMs", "200"), ("Import:LeaseSeconds", "5"), ("Import:BatchSize", "20")];

    private sealed record JobState(string Status, long? RunId, int Attempts, string? LastError, bool CancelRequested);

    /// <summary>One WhatsApp number, one customer, one conversation and <paramref name="messages"/> messages a minute apart.</summary>
    private static byte[] Export(int messages)
    {
        var start = DateTime.UtcNow.AddDays(-10);
        var lines = new List<string>
        {
            JsonSerializer.Serialize(new { type = "account", v = 1, id = "acc", channel = "whatsapp", externalId = "1065559999", wabaId = "waba-import" }),
            JsonSerializer.Serialize(new { type = "contact", v = 1, id = "c", channel = "whatsapp", externalId = "34600999000", name = "Marta" }),
            JsonSerializer.Serialize(new { type = "conversation", v = 1, id = "cv", account = "acc", contact = "c", status = "resolved" }),
        };
        for (var i = 0; i < messages; i++)
            lines.Add(JsonSerializer.Serialize(new
            {
                type = "message", v = 1, id = $"m-{i}", conversation = "cv", direction = i % 2 == 0 ? "in" : "out", kind = "text",
                text = $"message {i}", occurredAt = start.AddMinutes(i).ToString("yyyy-MM-ddTHH:mm:ssZ"),
            }));
        return Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");
    }

    private static async Task<long> QueueAsync(WorkerDatabase db, WorkerHost worker, byte[] file, string system = "acme")
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(file));
        var key = MediaKeys.Import(db.ProjectId, sha);
        await worker.Services.GetRequiredService<IMediaStore>().PutAsync(key, new MemoryStream(file), "application/octet-stream", CancellationToken.None);
        return await db.ScalarAsync<long>("select ops.import_job_create(@ProjectId, null, 'generic', @system, 'export.jsonl', @key, @size, @sha, '{}')",
            new { db.ProjectId, system, key, size = (long)file.Length, sha });
    }

    private static async Task<JobState> EndedAsync(WorkerDatabase db, long jobId, string status)
    {
        await Eventually.TrueAsync(async () => await db.ScalarAsync<string>("select status from ops.import_jobs where id = @jobId", new { jobId }) == status,
            TimeSpan.FromSeconds(60), $"import job {jobId} is {status}");
        return (await db.QueryAsync<JobState>("select status, run_id, attempts, last_error, cancel_requested from ops.import_jobs where id = @jobId",
            new { jobId })).Single();
    }

    private static Task<long> ImportedMessagesAsync(WorkerDatabase db) => db.ScalarAsync<long>(
        "select count(*) from chat.messages where project_id = @ProjectId and import_run_id is not null", new { db.ProjectId });

    private static async Task<bool> StoredAsync(WorkerHost worker, string key)
    {
        await using var stored = await worker.Services.GetRequiredService<IMediaStore>().OpenReadAsync(key, CancellationToken.None);
        return stored is not null;
    }

    [Fact]
    public async Task A_queued_export_is_imported_by_the_Worker_with_progress_pushed_and_its_upload_removed_and_nothing_sent()
    {
        var db = await WorkerDatabase.CreateAsync("import_job");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox, Fast);
        var file = Export(200);
        var jobId = await QueueAsync(db, worker, file);

        var job = await EndedAsync(db, jobId, "completed");
        Assert.Equal((1, (string?)null), (job.Attempts, job.LastError));
        Assert.Equal(200, await ImportedMessagesAsync(db));
        Assert.Equal(("completed", 0L), (await db.ScalarAsync<string>("select status from ops.import_runs where id = @RunId", new { job.RunId }),
            await db.ScalarAsync<long>("select coalesce(sum(unexplained), 0)::bigint from ops.import_report(@RunId)", new { job.RunId })));
        // Progress reached the consoles (at most once a second: at least the first batch's), and the end.
        var progress = await db.QueryAsync<string>(
            "select payload::text from ops.change_feed where kind = 'import_progress' and (payload->>'jobId')::bigint = @jobId", new { jobId });
        Assert.NotEmpty(progress);
        Assert.All(progress, p => Assert.Equal(job.RunId, JsonDocument.Parse(p).RootElement.GetProperty("runId").GetInt64()));
        Assert.Equal(1L, await db.ScalarAsync<long>(
            "select count(*) from ops.change_feed where kind = 'import_changed' and payload->>'status' = 'completed' and (payload->>'jobId')::bigint = @jobId",
            new { jobId }));
        Assert.False(await StoredAsync(worker, MediaKeys.Import(db.ProjectId, Convert.ToHexStringLower(SHA256.HashData(file)))));
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.outbox"));
        Assert.Equal(0, await sandbox.SentCountAsync());
    }

    [Fact]
    public async Task A_cancel_stops_the_run_at_the_next_batch_and_a_dead_Workers_job_is_taken_over_and_resumed_without_duplicates()
    {
        var db = await WorkerDatabase.CreateAsync("import_takeover");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        var file = Export(200);
        var sha = Convert.ToHexStringLower(SHA256.HashData(file));

        // A Worker that died after one batch: its run interrupted at the cursor, its job still running on an expired lease.
        var path = Path.Combine(Directory.CreateTempSubdirectory("mm-import-job-").FullName, "export.jsonl");
        await File.WriteAllBytesAsync(path, file);
        await using (var data = db.CreateDataSource())
        {
            var first = await ImportEngine.RunAsync(data, new ImportOptions(db.ProjectId, path, "acme", BatchSize: 20) { StopAfterBatches = 1 },
                TextWriter.Null, CancellationToken.None);
            Assert.Equal("interrupted", first.Status);
        }
        var before = await ImportedMessagesAsync(db);
        Assert.InRange(before, 1, 199);

        await using var worker = WorkerHost.Start(db, sandbox, Fast);
        // A job cancelled by the console just as a Worker claimed it: the first batch's progress stops it.
        var cancelledId = await QueueAsync(db, worker, Export(300), system: "other");
        await db.ExecuteAsync("update ops.import_jobs set cancel_requested = true where id = @cancelledId", new { cancelledId });
        var cancelled = await EndedAsync(db, cancelledId, "cancelled");
        Assert.Equal(("interrupted", 20L), (await db.ScalarAsync<string>("select status from ops.import_runs where id = @RunId", new { cancelled.RunId }),
            await db.ScalarAsync<long>("select cursor_line from ops.import_runs where id = @RunId", new { cancelled.RunId })));

        // The dead Worker's job (created after the cancelled one, so it is claimed second).
        var key = MediaKeys.Import(db.ProjectId, sha);
        await worker.Services.GetRequiredService<IMediaStore>().PutAsync(key, new MemoryStream(file), "application/octet-stream", CancellationToken.None);
        var runId = await db.ScalarAsync<long>("select id from ops.import_runs where project_id = @ProjectId and source_system = 'acme'", new { db.ProjectId });
        var jobId = await db.ScalarAsync<long>("""
            insert into ops.import_jobs (project_id, source, source_system, file_name, storage_key, size_bytes, file_sha256, status, run_id,
                                         lease_owner, lease_until, attempts, started_at)
            values (@ProjectId, 'generic', 'acme', 'export.jsonl', @key, @size, @sha, 'running', @runId, 'dead-worker', now() - interval '1 second', 1, now())
            returning id
            """, new { db.ProjectId, key, size = (long)file.Length, sha, runId });
        var job = await EndedAsync(db, jobId, "completed");
        Assert.Equal((runId, 2), (job.RunId!.Value, job.Attempts));
        Assert.Equal(200 + 20 - 3, await ImportedMessagesAsync(db)); // the 200 of acme, and the 17 of the cancelled run's first batch
        Assert.Equal(200L, await db.ScalarAsync<long>(
            "select count(*) from legacy.id_maps where project_id = @ProjectId and source_system = 'acme' and kind = 'message'", new { db.ProjectId }));
        Assert.Equal(200L, await db.ScalarAsync<long>(
            "select new_count + present_count from ops.import_counts where run_id = @runId and entity = 'message'", new { runId }));
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.outbox"));
    }

    [Fact]
    public async Task A_WhatsApp_chat_export_job_is_converted_with_its_settings_and_one_that_is_not_an_export_fails_with_the_reason()
    {
        var db = await WorkerDatabase.CreateAsync("import_wa_job");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox, Fast);
        var options = JsonSerializer.Serialize(new
        {
            phoneNumberId = WorkerDatabase.WhatsApp, wabaId = WorkerDatabase.WhatsAppWaba, customerPhone = "+34600555777",
            businessNames = new[] { "Shop" }, timeZone = "Europe/Madrid",
        });
        async Task<long> QueueExportAsync(string text)
        {
            var file = Encoding.UTF8.GetBytes(text);
            var sha = Convert.ToHexStringLower(SHA256.HashData(file));
            var key = MediaKeys.Import(db.ProjectId, sha);
            await worker.Services.GetRequiredService<IMediaStore>().PutAsync(key, new MemoryStream(file), "text/plain", CancellationToken.None);
            return await db.ScalarAsync<long>("""
                select ops.import_job_create(@ProjectId, null, 'whatsapp_export', 'whatsapp_export', 'chat.txt', @key, @size, @sha, @options::jsonb)
                """, new { db.ProjectId, key, size = (long)file.Length, sha, options });
        }

        var notExport = await QueueExportAsync("shopping list\nmilk\n");
        var export = await QueueExportAsync("13/03/2024, 10:02 - Rosa: Hola\n13/03/2024, 10:05 - Shop: ¡Hola Rosa!\nSeguimos aquí\n");

        var failed = await EndedAsync(db, notExport, "failed");
        Assert.Contains("not a WhatsApp chat export", failed.LastError);
        var done = await EndedAsync(db, export, "completed");
        Assert.Equal("whatsapp_export", await db.ScalarAsync<string>("select source from ops.import_runs where id = @RunId", new { done.RunId }));
        var thread = await db.QueryAsync<(string Direction, string Body)>("""
            select m.direction, m.body from chat.messages m join chat.contacts k on k.id = (select contact_id from chat.conversations where id = m.conversation_id)
            where k.external_id = '34600555777' order by m.occurred_at
            """);
        Assert.Equal([("in", "Hola"), ("out", "¡Hola Rosa!\nSeguimos aquí")], thread.ToArray());
        // The history joined the project's own number (matched, not a second account).
        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from meta.accounts where external_id = @id", new { id = WorkerDatabase.WhatsApp }));
    }

    [Fact]
    public async Task Imported_files_by_URL_are_fetched_only_through_the_SSRF_safe_fetcher_into_the_media_store()
    {
        var photo = RandomNumberGenerator.GetBytes(2048);
        await using var cdn = await MultichannelMessages.TestSupport.LoopbackHttpServer.StartAsync(routes =>
            routes.MapGet("/old/{name}", (string name) => Results.File(photo, "image/jpeg")));
        var db = await WorkerDatabase.CreateAsync("import_media");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        // Real sockets: the CDN's loopback host:port is the one allowed exception; every other private address is refused.
        await using var worker = WorkerHost.Start(db, sandbox, realFetcher: true,
            [.. Fast, ("Fetch:AllowedEndpoints:0", cdn.Authority), ("MediaDownloads:PollIntervalMs", "100")]);
        var at = DateTime.UtcNow.AddDays(-3).ToString("yyyy-MM-ddTHH:mm:ssZ");
        var lines = new[]
        {
            JsonSerializer.Serialize(new { type = "account", v = 1, id = "acc", channel = "whatsapp", externalId = "1065559998", wabaId = "waba-m" }),
            JsonSerializer.Serialize(new { type = "contact", v = 1, id = "c", channel = "whatsapp", externalId = "34600999111" }),
            JsonSerializer.Serialize(new { type = "conversation", v = 1, id = "cv", account = "acc", contact = "c" }),
            JsonSerializer.Serialize(new { type = "message", v = 1, id = "ok", conversation = "cv", direction = "in", kind = "image", occurredAt = at,
                media = new[] { new { url = cdn.Address + "old/photo.jpg", mimeType = "image/jpeg" } } }),
            JsonSerializer.Serialize(new { type = "message", v = 1, id = "ssrf", conversation = "cv", direction = "in", kind = "image", occurredAt = at,
                media = new[] { new { url = "http://169.254.169.254/latest/meta-data/iam", mimeType = "image/jpeg" } } }),
        };
        var job = await EndedAsync(db, await QueueAsync(db, worker, Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n")), "completed");
        Assert.Equal(2L, await db.ScalarAsync<long>("select count(*) from chat.messages where import_run_id = @RunId", new { job.RunId }));

        async Task<(string Status, string? Key, string? Error)> FileOf(string url)
        {
            await Eventually.TrueAsync(async () => await db.ScalarAsync<string>("select download_status from chat.media where url = @url", new { url }) != "pending",
                TimeSpan.FromSeconds(30), $"{url} is fetched or refused");
            return (await db.QueryAsync<(string, string?, string?)>("select download_status, storage_key, last_error from chat.media where url = @url",
                new { url })).Single();
        }
        var stored = await FileOf(cdn.Address + "old/photo.jpg");
        Assert.Equal("stored", stored.Status);
        await using (var file = await worker.Services.GetRequiredService<IMediaStore>().OpenReadAsync(stored.Key!, CancellationToken.None))
        {
            using var copy = new MemoryStream();
            await file!.Content.CopyToAsync(copy);
            Assert.Equal(photo, copy.ToArray());
        }
        var refused = await FileOf("http://169.254.169.254/latest/meta-data/iam");
        Assert.Equal("failed", refused.Status);
        Assert.Null(refused.Key);
        // An imported file queues no AI work: years-old media are not transcribed or described.
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from bot.ai_media_jobs"));
    }

    [Fact]
    public async Task An_upload_gone_from_the_store_fails_with_the_reason_instead_of_retrying()
    {
        var db = await WorkerDatabase.CreateAsync("import_gone");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox, Fast);
        var missing = await db.ScalarAsync<long>("""
            select ops.import_job_create(@ProjectId, null, 'generic', 'acme', 'gone.jsonl', @key, 10, 'abc', '{}')
            """, new { db.ProjectId, key = MediaKeys.Import(db.ProjectId, "0000") });
        var ok = await QueueAsync(db, worker, Export(5)); // positive control, queued after it

        var failed = await EndedAsync(db, missing, "failed");
        Assert.Contains("no longer in the media store", failed.LastError);
        Assert.Equal(1, failed.Attempts);
        Assert.Equal("completed", (await EndedAsync(db, ok, "completed")).Status);
        Assert.Equal(5, await ImportedMessagesAsync(db));
    }
}
