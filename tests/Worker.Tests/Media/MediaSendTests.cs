using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Media;

/// <summary>Outbound media: the Worker uploads the stored file to Meta, then sends the message naming the media id.</summary>
public sealed class MediaSendTests
{
    [Fact]
    public async Task A_queued_image_is_uploaded_to_meta_and_sent_with_the_media_id()
    {
        var db = await WorkerDatabase.CreateAsync("mediasend");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        var (_, conversationId) = await MediaDownloadTests.InboundPhotoAsync(db, sandbox, "34660000001");
        await using var worker = WorkerHost.Start(db, sandbox);

        // What the Core API does: store the file, then chat.send_media (message + media + outbox in one transaction).
        var bytes = RandomNumberGenerator.GetBytes(2048);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var key = MediaKeys.Outbound(db.ProjectId, sha);
        await worker.Services.GetRequiredService<IMediaStore>().PutAsync(key, new MemoryStream(bytes), "image/png", CancellationToken.None);
        var messageId = await db.ScalarAsync<long>("""
            select message_id from chat.send_media(@conversationId, null, 'img-1', 'image', 'our catalogue', @key, 'image/png', @size, @sha, 'catalogue.png')
            """, new { conversationId, key, size = (long)bytes.Length, sha });

        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(20)));
        var message = (await db.QueryAsync<(string Status, string? ProviderMessageId)>(
            "select status, provider_message_id from chat.messages where id = @messageId", new { messageId })).Single();
        Assert.Equal("sent", message.Status);
        var uploaded = await db.ScalarAsync<string>("select uploaded_media_id from chat.media where message_id = @messageId", new { messageId });
        var sent = Assert.Single(await sandbox.SentAsync("to=34660000001"));
        Assert.Equal("image", sent.Type);
        Assert.Equal(message.ProviderMessageId, sent.Id);
        Assert.False(string.IsNullOrEmpty(uploaded));
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.dead_letters"));
    }

    [Fact]
    public async Task A_media_message_whose_file_is_missing_fails_with_a_clear_reason()
    {
        var db = await WorkerDatabase.CreateAsync("mediamissing");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        var (_, conversationId) = await MediaDownloadTests.InboundPhotoAsync(db, sandbox, "34660000002");
        await using var worker = WorkerHost.Start(db, sandbox);
        var messageId = await db.ScalarAsync<long>("""
            select message_id from chat.send_media(@conversationId, null, 'img-2', 'image', null, 'p1/out/nothing-here', 'image/png', 10, 'x', 'a.png')
            """, new { conversationId });

        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("failed", await db.ScalarAsync<string>("select status from chat.messages where id = @messageId", new { messageId }));
        Assert.Contains("missing from the media store", await db.ScalarAsync<string>("select reason from ops.dead_letters where message_id = @messageId", new { messageId }));
        Assert.Empty(await sandbox.SentAsync("to=34660000002"));
    }

    [Fact]
    public async Task A_messenger_document_is_uploaded_as_an_attachment_and_sent_with_its_attachment_id()
    {
        var db = await WorkerDatabase.CreateAsync("mediamessenger");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        var queued = (await db.QueueTextsAsync(WorkerDatabase.Page, 1, "7100000"))[0];
        await using var worker = WorkerHost.Start(db, sandbox);

        var bytes = "%PDF-1.4 price list"u8.ToArray();
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var key = MediaKeys.Outbound(db.ProjectId, sha);
        await worker.Services.GetRequiredService<IMediaStore>().PutAsync(key, new MemoryStream(bytes), "application/pdf", CancellationToken.None);
        var messageId = await db.ScalarAsync<long>("""
            select message_id from chat.send_media(@conversation, null, 'doc-1', 'document', null, @key, 'application/pdf', @size, @sha, 'prices.pdf')
            """, new { conversation = queued.ConversationId, key, size = (long)bytes.Length, sha });

        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(20)));
        var message = (await db.QueryAsync<(string Status, string? ProviderMessageId)>(
            "select status, provider_message_id from chat.messages where id = @messageId", new { messageId })).Single();
        Assert.Equal("sent", message.Status);
        var sent = Assert.Single(await sandbox.SentAsync($"to={queued.Recipient}"), s => s.Id == message.ProviderMessageId);
        Assert.Equal("file", sent.Type);
        Assert.False(string.IsNullOrEmpty(await db.ScalarAsync<string>("select uploaded_media_id from chat.media where message_id = @messageId", new { messageId })));
    }

    [Fact]
    public async Task A_sticker_cannot_go_to_messenger_and_fails_with_the_reason()
    {
        var db = await WorkerDatabase.CreateAsync("stickermessenger");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        var queued = (await db.QueueTextsAsync(WorkerDatabase.Page, 1, "7200000"))[0];
        await using var worker = WorkerHost.Start(db, sandbox);
        var messageId = await db.ScalarAsync<long>("""
            select message_id from chat.send_media(@conversation, null, 'st-1', 'sticker', null, 'p1/out/x', 'image/webp', 10, 'x', 'a.webp')
            """, new { conversation = queued.ConversationId });

        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("has no sticker attachments", await db.ScalarAsync<string>("select reason from ops.dead_letters where message_id = @messageId", new { messageId }));
    }
}
