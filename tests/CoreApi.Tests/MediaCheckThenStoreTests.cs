using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Platform.Media;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Check, then store: a media send is checked (lock, window) before its file is written, and a send that
/// fails after the write takes its file back, unless another message uses the same file.</summary>
public sealed class MediaCheckThenStoreTests(CoreHost host) : IClassFixture<CoreHost>
{
    private static int _customer;

    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    /// <summary>A PNG no other test sends (random bytes after its end), so its content-addressed key is new.</summary>
    private static byte[] NewPng() => [.. Png, .. RandomNumberGenerator.GetBytes(16)];

    private Task<long> ConversationAsync(DateTimeOffset? lastInboundAt = null) => host.ConversationAsync(host.DemoAccountId,
        "3499" + Interlocked.Increment(ref _customer).ToString("D7"), "send me a photo", host.GeneralQueueId, lastInboundAt);

    private string MediaUrl(long conversation) => $"/projects/{host.DemoProjectId}/conversations/{conversation}/media";

    private static MultipartFormDataContent Form(byte[] bytes)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse("image/png");
        return new MultipartFormDataContent { { file, "file", "photo.png" } };
    }

    private string[] StoredFiles() => Directory.EnumerateFiles(host.MediaRoot, "*", SearchOption.AllDirectories).Order().ToArray();

    private Task<long> MessagesAsync(long conversation) =>
        host.ScalarAsync<long>("select count(*) from chat.messages where conversation_id = @conversation and direction = 'out'", new { conversation });

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string code)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(code, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Refused_upload_leaves_no_file_in_the_store()
    {
        var agent = await host.As("agent@demo.local");
        var before = StoredFiles();

        // The customer last wrote three days ago: the window is closed.
        var closed = await ConversationAsync(DateTimeOffset.UtcNow.AddDays(-3));
        await AssertRefusedAsync(await agent.PostAsync(MediaUrl(closed), Form(NewPng())), "window_closed");

        // The supervisor holds the lock.
        var locked = await ConversationAsync();
        Assert.Equal(HttpStatusCode.OK, (await (await host.As("supervisor@demo.local")).PostAsync($"/conversations/{locked}/lock", null)).StatusCode);
        await AssertRefusedAsync(await agent.PostAsync(MediaUrl(locked), Form(NewPng())), "lock_held");

        Assert.Equal(before, StoredFiles());
        Assert.Equal(0L, await MessagesAsync(closed) + await MessagesAsync(locked));

        // Positive control: an accepted upload stores exactly one file, the one its message points at.
        var open = await ConversationAsync();
        var bytes = NewPng();
        var accepted = await agent.PostAsync(MediaUrl(open), Form(bytes));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var added = Assert.Single(StoredFiles().Except(before));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(added));
        var key = await host.ScalarAsync<string>("select storage_key from chat.media where id = @id",
            new { id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mediaId").GetInt64() });
        Assert.Equal(Path.Combine(host.MediaRoot, key), added);
    }

    [Fact]
    public async Task A_send_that_fails_after_storing_its_file_takes_the_file_back_unless_another_message_uses_it()
    {
        await using var failing = host.NewInstance().WithWebHostBuilder(b => b.ConfigureTestServices(services =>
            services.AddSingleton<IMediaStore>(sp => new FailsAfterPut(ActivatorUtilities.CreateInstance<FileSystemMediaStore>(sp)))));
        var client = failing.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await host.BearerAsync("agent@demo.local"));
        var before = StoredFiles();

        var conversation = await ConversationAsync();
        var response = await client.PostAsync(MediaUrl(conversation), Form(NewPng()));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(before, StoredFiles());
        Assert.Equal(0L, await MessagesAsync(conversation));

        // The same file already sent (and committed) by another message: its file stays.
        var bytes = NewPng();
        var first = await ConversationAsync();
        Assert.Equal(HttpStatusCode.Created, (await (await host.As("agent@demo.local")).PostAsync(MediaUrl(first), Form(bytes))).StatusCode);
        var stored = StoredFiles();
        Assert.Equal(HttpStatusCode.InternalServerError, (await client.PostAsync(MediaUrl(conversation), Form(bytes))).StatusCode);
        Assert.Equal(stored, StoredFiles());
        Assert.Equal(0L, await MessagesAsync(conversation));
    }

    /// <summary>A store whose write lands and then fails (a lost acknowledgement), so the send fails after the file
    /// is in place.</summary>
    private sealed class FailsAfterPut(IMediaStore inner) : IMediaStore
    {
        public async Task PutAsync(string key, Stream content, string contentType, CancellationToken ct)
        {
            await inner.PutAsync(key, content, contentType, ct);
            throw new IOException("the store did not acknowledge the write");
        }

        public Task<StoredMedia?> OpenReadAsync(string key, CancellationToken ct) => inner.OpenReadAsync(key, ct);
        public Task DeleteAsync(string key, CancellationToken ct) => inner.DeleteAsync(key, ct);
    }
}
