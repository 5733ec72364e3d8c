using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.EndToEnd.Tests;

/// <summary>
/// The platform as processes, plus two loopback servers: "internal" plays an internal service (the Core API's OpenAPI
/// document) and is NOT allow-listed; "cdn" plays Meta's attachment CDN and is allow-listed next to the sandbox.
/// </summary>
public sealed class AttachmentPlatform : PlatformProcesses
{
    public static readonly byte[] Photo = [0xFF, 0xD8, 0xFF, 0xE0, .. RandomNumberGenerator.GetBytes(4000)];

    public LoopbackHttpServer Internal { get; private set; } = null!;
    public LoopbackHttpServer Cdn { get; private set; } = null!;

    protected override async Task<IReadOnlyDictionary<string, string>> WorkerSettingsAsync()
    {
        var document = JsonSerializer.Serialize(new { openapi = "3.1.0", paths = Enumerable.Range(0, 3000).ToDictionary(i => $"/internal/{i}", _ => "get") });
        Internal = await LoopbackHttpServer.StartAsync(app => app.MapGet("/openapi/v1.json", () => Results.Text(document, "application/json")));
        Cdn = await LoopbackHttpServer.StartAsync(app =>
        {
            app.MapGet("/photo.jpg", () => Results.Bytes(Photo, "image/jpeg"));
            app.MapGet("/page.html", () => Results.Content("<html><body>a shared link</body></html>", "text/html"));
            app.MapGet("/to-internal", () => Results.Redirect($"http://127.0.0.1:{Internal.Port}/openapi/v1.json"));
        });
        return new Dictionary<string, string> { ["MM_Fetch__AllowedEndpoints__1"] = Cdn.Authority };
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Internal is not null) await Internal.DisposeAsync();
        if (Cdn is not null) await Cdn.DisposeAsync();
    }
}

/// <summary>
/// Attachment URLs arrive in signed Messenger events (the sandbox signs and posts them to the Webhook API) and the
/// Worker downloads them: only from public addresses, or the allow-listed sandbox/CDN here.
/// </summary>
public sealed class AttachmentFetchTests(AttachmentPlatform platform) : IClassFixture<AttachmentPlatform>
{
    private const string Page = "1000000000001";

    public static TheoryData<string> InternalUrls => new()
    {
        "http://127.0.0.1:{internal}/openapi/v1.json",
        "http://localhost:{internal}/openapi/v1.json",
        "http://[::ffff:127.0.0.1]:{internal}/openapi/v1.json",
        "http://127.0.0.1:{cdn}/to-internal", // an allow-listed host that 302-redirects to the internal one
    };

    /// <summary>The finding: such an event made the Worker store the Core API's internal document and serve it to agents.</summary>
    [Theory]
    [MemberData(nameof(InternalUrls))]
    public async Task Attachment_url_pointing_at_an_internal_service_is_refused(string template)
    {
        var cdnRequestsBefore = platform.Cdn.Requests;
        var url = template.Replace("{internal}", platform.Internal.Port.ToString()).Replace("{cdn}", platform.Cdn.Port.ToString());

        var file = await CustomerSendsAttachmentAsync(url);

        Assert.Equal("failed", file.Status);
        Assert.StartsWith("ssrf_refused:", file.LastError);
        Assert.Null(file.StorageKey);
        // The download loop is done with this file: the internal service never saw a connection, let alone a request.
        Assert.Equal(0, platform.Internal.Connections);
        Assert.Equal(0, platform.Internal.Requests);
        if (template.Contains("{cdn}")) Assert.True(platform.Cdn.Requests > cdnRequestsBefore, "the allow-listed host was asked and redirected");
        var admin = await AdminAsync();
        Assert.True(await InThreadAsync(admin, file), "the message is kept");
        var media = await admin.GetAsync($"/projects/{platform.ProjectId}/conversations/{file.ConversationId}/media/{file.MediaId}");
        Assert.Equal(HttpStatusCode.Gone, media.StatusCode);
        Assert.Equal("media_unavailable", (await media.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Attachment_url_on_an_allowed_host_serving_an_image_is_downloaded_and_stored()
    {
        var file = await CustomerSendsAttachmentAsync($"http://127.0.0.1:{platform.Cdn.Port}/photo.jpg");

        Assert.Equal("stored", file.Status);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(AttachmentPlatform.Photo)), file.Sha256);
        Assert.Equal("image/jpeg", file.MimeType);
        var admin = await AdminAsync();
        Assert.True(await InThreadAsync(admin, file));
        var media = await admin.GetAsync($"/projects/{platform.ProjectId}/conversations/{file.ConversationId}/media/{file.MediaId}");
        Assert.Equal(HttpStatusCode.OK, media.StatusCode);
        Assert.Equal(AttachmentPlatform.Photo, await media.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Attachment_url_serving_a_web_page_fails_as_not_media_and_keeps_the_message()
    {
        var file = await CustomerSendsAttachmentAsync($"http://127.0.0.1:{platform.Cdn.Port}/page.html");

        Assert.Equal("failed", file.Status);
        Assert.StartsWith("not_media:", file.LastError);
        Assert.True(await InThreadAsync(await AdminAsync(), file));
    }

    [Fact]
    public async Task A_whatsapp_photo_is_fetched_from_the_allow_listed_sandbox_with_the_accounts_token()
    {
        using var sandbox = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress };
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.Concat(RandomNumberGenerator.GetBytes(600)).ToArray();
        var sent = await sandbox.PostAsJsonAsync("/sandbox/customers/1122334455667/messages", new Dictionary<string, string>
        {
            ["from"] = "3466" + Random.Shared.Next(1_000_000, 9_999_999), ["type"] = "image", ["mime_type"] = "image/png",
            ["content_base64"] = Convert.ToBase64String(png),
        });
        sent.EnsureSuccessStatusCode();

        var file = await FinishedFileAsync((await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!, "a WhatsApp photo");

        Assert.Equal("stored", file.Status);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(png)), file.Sha256);
    }

    /// <summary>A Messenger user sends an attachment with this URL; the file row once the Worker has finished with it.</summary>
    private async Task<FileRow> CustomerSendsAttachmentAsync(string url)
    {
        using var sandbox = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress };
        var psid = "29" + Random.Shared.NextInt64(100_000_000_000_000, 999_999_999_999_999);
        var sent = await sandbox.PostAsJsonAsync($"/sandbox/pages/{Page}/messages", new Dictionary<string, string> { ["psid"] = psid, ["image_url"] = url });
        sent.EnsureSuccessStatusCode();
        return await FinishedFileAsync((await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!, url);
    }

    private async Task<FileRow> FinishedFileAsync(string mid, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await using (var connection = new NpgsqlConnection(platform.ConnectionString))
            {
                var row = await connection.QuerySingleOrDefaultAsync<FileRow>("""
                    select md.id as MediaId, m.id as MessageId, m.conversation_id as ConversationId, md.download_status as Status,
                           md.last_error as LastError, md.storage_key as StorageKey, md.mime_type as MimeType, md.sha256 as Sha256
                    from chat.messages m join chat.media md on md.message_id = m.id where m.provider_message_id = @mid
                    """, new { mid });
                if (row is { Status: not "pending" }) return row;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no finished download of {what} within 30 s\n{platform.Diagnostics()}");
            await Task.Delay(100);
        }
    }

    private async Task<HttpClient> AdminAsync() => (await platform.SignInAsync("admin@demo.local")).Client;

    private static async Task<bool> InThreadAsync(HttpClient agent, FileRow file)
    {
        var thread = await agent.GetFromJsonAsync<JsonElement>($"/conversations/{file.ConversationId}/messages");
        return thread.GetProperty("items").EnumerateArray().Any(m => m.GetProperty("id").GetInt64() == file.MessageId);
    }

    private sealed record FileRow(long MediaId, long MessageId, long ConversationId, string Status, string? LastError, string? StorageKey,
        string? MimeType, string? Sha256);
}
