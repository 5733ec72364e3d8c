using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.TestSupport;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Media;

/// <summary>Inbound media through the Worker's download loop, from the Meta sandbox into the media store.</summary>
public sealed class MediaDownloadTests
{
    private static readonly byte[] Photo = RandomNumberGenerator.GetBytes(3000);

    [Fact]
    public async Task A_customers_photo_is_downloaded_into_the_file_store_with_its_hash_and_the_consoles_are_told()
    {
        var db = await WorkerDatabase.CreateAsync("mediafs");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        var (mediaRowId, _) = await InboundPhotoAsync(db, sandbox, "34650000001");
        await using var worker = WorkerHost.Start(db, sandbox, ("Outbox:WorkerId", "media-worker"));

        var row = await WaitFinishedAsync(db, mediaRowId);
        Assert.Equal("stored", row.Status);
        Assert.Equal(Photo.Length, row.SizeBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Photo)), row.Sha256);
        Assert.Equal("image/jpeg", row.MimeType);
        var store = worker.Services.GetRequiredService<IMediaStore>();
        await using (var stored = await store.OpenReadAsync(row.StorageKey!, CancellationToken.None))
            Assert.Equal(Photo, await ReadAllAsync(stored!.Content));
        Assert.Equal(1L, await db.ScalarAsync<long>(
            "select count(*) from ops.change_feed where kind = 'media_ready' and payload->>'mediaId' = @id", new { id = mediaRowId.ToString() }));
        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>(
            "select count(*) from ops.worker_heartbeats where worker_id = 'media-worker' and loop = 'media_downloads' and (details->>'sent')::int = 1") == 1,
            TimeSpan.FromSeconds(10), "the media loop beats with its count");
    }

    [Fact]
    public async Task A_customers_photo_is_downloaded_into_s3()
    {
        await using var s3 = await S3rverServer.StartAsync();
        var db = await WorkerDatabase.CreateAsync("medias3");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        var (mediaRowId, _) = await InboundPhotoAsync(db, sandbox, "34650000002");
        await using var worker = WorkerHost.Start(db, sandbox, s3.Settings.Select(s => (s.Key, s.Value)).ToArray());

        var row = await WaitFinishedAsync(db, mediaRowId);
        Assert.Equal("stored", row.Status);
        // Read back through a store of our own, so the bytes really are in the bucket.
        using var store = new S3MediaStore(Options.Create(new MediaStoreOptions
        {
            Store = MediaStoreKind.S3,
            S3 = new S3StoreOptions { ServiceUrl = s3.ServiceUrl, Bucket = s3.Bucket, ForcePathStyle = true, AccessKeyId = S3rverServer.AccessKeyId, SecretAccessKey = S3rverServer.SecretAccessKey },
        }));
        await using var stored = await store.OpenReadAsync(row.StorageKey!, CancellationToken.None);
        Assert.Equal(Photo, await ReadAllAsync(stored!.Content));
    }

    [Fact]
    public async Task A_file_whose_hash_does_not_match_fails_for_good_with_the_reason()
    {
        var db = await WorkerDatabase.CreateAsync("mediasha");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        var (mediaRowId, _) = await InboundPhotoAsync(db, sandbox, "34650000003", announcedSha256: Convert.ToBase64String(SHA256.HashData("other"u8)));
        await using var worker = WorkerHost.Start(db, sandbox);

        var row = await WaitFinishedAsync(db, mediaRowId);
        Assert.Equal("failed", row.Status);
        Assert.StartsWith("sha256_mismatch", row.LastError);
        Assert.Equal(1, row.AttemptCount);
        Assert.Null(row.StorageKey);
    }

    [Fact]
    public async Task A_media_id_meta_does_not_know_fails_for_good_without_retries()
    {
        var db = await WorkerDatabase.CreateAsync("media404");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        var (mediaRowId, _) = await InboundPhotoAsync(db, sandbox, "34650000004", providerMediaId: "999999999999999");
        await using var worker = WorkerHost.Start(db, sandbox);

        var row = await WaitFinishedAsync(db, mediaRowId);
        Assert.Equal("failed", row.Status);
        Assert.StartsWith("media_node:", row.LastError);
        Assert.Equal(1, row.AttemptCount);
        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from ops.change_feed where kind = 'media_ready'"));
    }

    [Fact]
    public async Task A_transient_meta_error_is_retried_until_the_file_arrives()
    {
        var db = await WorkerDatabase.CreateAsync("mediaretry");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await sandbox.AddFaultAsync(new { kind = "service_unavailable", endpoint = "media", count = 2 });
        var (mediaRowId, _) = await InboundPhotoAsync(db, sandbox, "34650000005");
        await using var worker = WorkerHost.Start(db, sandbox);

        var row = await WaitFinishedAsync(db, mediaRowId);
        Assert.Equal("stored", row.Status);
        Assert.Equal(3, row.AttemptCount);
        Assert.Null(row.LastError);
    }

    [Fact]
    public async Task The_s3_store_round_trips_through_the_real_sdk()
    {
        await using var s3 = await S3rverServer.StartAsync();
        using var store = new S3MediaStore(Options.Create(new MediaStoreOptions
        {
            Store = MediaStoreKind.S3,
            S3 = new S3StoreOptions { ServiceUrl = s3.ServiceUrl, Bucket = s3.Bucket, ForcePathStyle = true, AccessKeyId = S3rverServer.AccessKeyId, SecretAccessKey = S3rverServer.SecretAccessKey },
        }));
        var key = MediaKeys.Inbound(1, 42);
        await store.PutAsync(key, new MemoryStream(Photo), "image/jpeg", CancellationToken.None);

        await using (var stored = await store.OpenReadAsync(key, CancellationToken.None))
        {
            Assert.NotNull(stored);
            Assert.Equal(Photo.Length, stored.Length);
            Assert.Equal("image/jpeg", stored.ContentType);
            // No chunk signatures inside the object (UseChunkEncoding = false): the bytes are exactly ours.
            Assert.Equal(Photo, await ReadAllAsync(stored.Content));
        }
        await store.DeleteAsync(key, CancellationToken.None);
        Assert.Null(await store.OpenReadAsync(key, CancellationToken.None));
    }

    /// <summary>A WhatsApp customer sends a photo through the sandbox (which keeps the file, as Meta does), and
    /// ingestion's result is written as the webhook would leave it: an inbound image message with a pending media row.</summary>
    internal static async Task<(long MediaRowId, long ConversationId)> InboundPhotoAsync(WorkerDatabase db, SandboxHost sandbox, string customer,
        string? announcedSha256 = null, string? providerMediaId = null)
    {
        var response = await sandbox.Client.PostAsJsonAsync($"/sandbox/customers/{WorkerDatabase.WhatsApp}/messages",
            new { from = customer, type = "image", mime_type = "image/jpeg", content_base64 = Convert.ToBase64String(Photo) }, SandboxHost.Json);
        response.EnsureSuccessStatusCode();
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>(SandboxHost.Json);
        var mediaId = providerMediaId ?? accepted.GetProperty("media_id").GetString()!;
        var rows = await db.QueryAsync<(long MediaRowId, long ConversationId)>("""
            with a as (select id, project_id, channel from meta.accounts where external_id = @account),
            c as (insert into chat.contacts (project_id, channel, external_id) select project_id, channel, @customer from a returning id),
            cv as (insert into chat.conversations (project_id, account_id, contact_id, channel, last_inbound_at)
                   select a.project_id, a.id, c.id, a.channel, now() from a, c returning id, project_id, account_id),
            m as (insert into chat.messages (project_id, conversation_id, account_id, direction, provider_message_id, type, status, status_rank, occurred_at)
                  select project_id, id, account_id, 'in', @wamid, 'image', 'received', 0, now() from cv returning id, project_id, conversation_id),
            md as (insert into chat.media (project_id, message_id, ordinal, kind, provider_media_id, mime_type, sha256)
                   select project_id, id, 0, 'image', @mediaId, 'image/jpeg', @sha from m returning id, message_id)
            select md.id, m.conversation_id from md join m on m.id = md.message_id
            """, new { account = WorkerDatabase.WhatsApp, customer, wamid = accepted.GetProperty("id").GetString(), mediaId,
                       sha = announcedSha256 ?? Convert.ToBase64String(SHA256.HashData(Photo)) });
        return rows.Single();
    }

    private static async Task<MediaRow> WaitFinishedAsync(WorkerDatabase db, long mediaRowId)
    {
        await Eventually.TrueAsync(async () => await db.ScalarAsync<string>(
            "select download_status from chat.media where id = @mediaRowId", new { mediaRowId }) != "pending",
            TimeSpan.FromSeconds(20), "the download finishes");
        return (await db.QueryAsync<MediaRow>("""
            select download_status as Status, storage_key as StorageKey, mime_type as MimeType, size_bytes as SizeBytes, sha256 as Sha256,
                   last_error as LastError, attempt_count as AttemptCount
            from chat.media where id = @mediaRowId
            """, new { mediaRowId })).Single();
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private sealed record MediaRow(string Status, string? StorageKey, string? MimeType, long? SizeBytes, string? Sha256, string? LastError,
        int AttemptCount);
}
