using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>POST and GET /projects/{p}/conversations/{c}/media: WhatsApp's limits, one transaction, idempotency,
/// the same access rule as text sends, and reading files back.</summary>
public sealed class MediaTests(CoreHost host) : IClassFixture<CoreHost>
{
    // A 1x1 PNG.
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private string MediaUrl(long conversation) => $"/projects/{host.DemoProjectId}/conversations/{conversation}/media";

    private static MultipartFormDataContent Form(byte[] bytes, string mimeType, string fileName = "photo.png", string? caption = null,
        string? clientMessageId = null, string? type = null)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(mimeType);
        var form = new MultipartFormDataContent { { file, "file", fileName } };
        if (caption is not null) form.Add(new StringContent(caption), "caption");
        if (clientMessageId is not null) form.Add(new StringContent(clientMessageId), "clientMessageId");
        if (type is not null) form.Add(new StringContent(type), "type");
        return form;
    }

    [Fact]
    public async Task A_media_send_writes_message_media_and_outbox_in_one_go_and_stores_the_file()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34940000001", "send me a photo", host.GeneralQueueId);
        var response = await (await host.As("agent@demo.local")).PostAsync(MediaUrl(conversation), Form(Png, "image/png", caption: "Here it is"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var messageId = body.GetProperty("messageId").GetInt64();
        var mediaId = body.GetProperty("mediaId").GetInt64();

        var message = (await host.ScalarAsync<string>(
            "select type || '|' || status || '|' || body from chat.messages where id = @messageId", new { messageId })).Split('|');
        Assert.Equal(["image", "queued", "Here it is"], message);
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from ops.outbox where message_id = @messageId", new { messageId }));
        var key = await host.ScalarAsync<string>(
            "select storage_key from chat.media where id = @mediaId and message_id = @messageId and download_status = 'stored' and size_bytes = @size and mime_type = 'image/png'",
            new { mediaId, messageId, size = (long)Png.Length });
        Assert.Equal(Png, await File.ReadAllBytesAsync(Path.Combine(host.MediaRoot, key)));
        Assert.Equal("Here it is", await host.ScalarAsync<string>("select last_message_preview from chat.conversations where id = @conversation", new { conversation }));

        // The console reads it back, inline, and nothing in it can run from this origin.
        var read = await (await host.As("agent@demo.local")).GetAsync($"{MediaUrl(conversation)}/{mediaId}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("image/png", read.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", read.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(Png, await read.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Messenger_and_instagram_take_attachments_by_their_own_rules()
    {
        var page = await host.ScalarAsync<long>("select id from meta.accounts where external_id = '1000000000001'");
        var instagram = await host.ScalarAsync<long>("select id from meta.accounts where external_id = '17841400000000001'");
        var onPage = await host.ConversationAsync(page, "psid-media-1", "send the invoice", host.GeneralQueueId);
        var onInstagram = await host.ConversationAsync(instagram, "igsid-media-1", "a photo please", host.GeneralQueueId);
        var agent = await host.As("agent@demo.local");

        Assert.Equal(HttpStatusCode.Created, (await agent.PostAsync(MediaUrl(onPage), Form("%PDF-1.4"u8.ToArray(), "application/pdf", "invoice.pdf"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await agent.PostAsync(MediaUrl(onInstagram), Form(Png, "image/png"))).StatusCode);

        async Task RefusedAsync(long conversation, MultipartFormDataContent form, string code, string field)
        {
            var response = await agent.PostAsync(MediaUrl(conversation), form);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(code, problem.GetProperty("code").GetString());
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }
        await RefusedAsync(onPage, Form(Png, "image/png", caption: "here"), "caption_not_supported", "caption");
        await RefusedAsync(onPage, Form(new byte[100], "image/webp", "s.webp", type: "sticker"), "invalid_media_kind", "type");
        await RefusedAsync(onInstagram, Form(new byte[100], "application/msword", "a.doc"), "unsupported_media_type", "file");
        await RefusedAsync(onInstagram, Form(new byte[8 * 1024 * 1024 + 1], "image/jpeg", "big.jpg"), "media_too_large", "file");
    }

    [Fact]
    public async Task A_retried_media_send_with_the_same_key_creates_one_message()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34940000002", "x", host.GeneralQueueId);
        var agent = await host.As("agent@demo.local");
        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            agent.PostAsync(MediaUrl(conversation), Form(Png, "image/png", clientMessageId: "m-1"))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(2, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var ids = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mediaId").GetInt64()));
        Assert.Single(ids.Distinct());
        Assert.Equal(1L, await host.ScalarAsync<long>(
            "select count(*) from ops.outbox o join chat.messages m on m.id = o.message_id where m.conversation_id = @conversation", new { conversation }));
        Assert.Equal(1L, await host.ScalarAsync<long>(
            "select count(*) from chat.media md join chat.messages m on m.id = md.message_id where m.conversation_id = @conversation", new { conversation }));
    }

    public static TheoryData<string, string, int, string?, string, string> Refused => new()
    {
        // mime type, type, size, caption, expected code, field
        { "image/gif", "image", 100, null, "unsupported_media_type", "file" },
        { "application/zip", "document", 100, null, "unsupported_media_type", "file" },
        { "audio/ogg", "audio", 100, null, "unsupported_media_type", "file" }, // Ogg without Opus
        { "image/jpeg", "image", 5 * 1024 * 1024 + 1, null, "media_too_large", "file" },
        { "image/webp", "sticker", 100 * 1024 + 1, null, "media_too_large", "file" }, // a static sticker
        { "video/mp4", "video", 16 * 1024 * 1024 + 1, null, "media_too_large", "file" },
        { "image/png", "image", 0, null, "empty_file", "file" },
        { "image/png", "gif", 100, null, "invalid_media_kind", "type" },
        { "audio/mpeg", "audio", 100, "a caption", "caption_not_supported", "caption" },
        { "image/png", "image", 100, new string('c', 1025), "caption_too_long", "caption" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Files_whatsapp_would_refuse_are_refused_with_a_code_and_the_field(string mimeType, string type, int size, string? caption,
        string code, string field)
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "3494100" + Math.Abs((mimeType + type + size + caption).GetHashCode() % 100000), "x", host.GeneralQueueId);
        var response = await (await host.As("agent@demo.local")).PostAsync(MediaUrl(conversation),
            Form(new byte[size], mimeType, "file.bin", caption, type: type));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Equal(0L, await host.ScalarAsync<long>(
            "select count(*) from chat.messages where conversation_id = @conversation and direction = 'out'", new { conversation }));
    }

    [Fact]
    public async Task Media_outside_the_callers_grants_is_404_and_a_dev_cannot_send()
    {
        var otherQueue = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@DemoProjectId, 'Media VIP') returning id", new { host.DemoProjectId });
        var hidden = await host.ConversationAsync(host.DemoAccountId, "34940000003", "x", otherQueue);
        var visible = await host.ConversationAsync(host.DemoAccountId, "34940000004", "x", host.GeneralQueueId);
        var sent = await (await host.As("supervisor@demo.local")).PostAsync(MediaUrl(hidden), Form(Png, "image/png"));
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var mediaId = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mediaId").GetInt64();

        var agent = await host.As("agent@demo.local");
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PostAsync(MediaUrl(hidden), Form(Png, "image/png"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"{MediaUrl(hidden)}/{mediaId}")).StatusCode);
        // The media id exists, but not in the conversation named: 404 too.
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"{MediaUrl(visible)}/{mediaId}")).StatusCode);
        var outsider = await host.As("outsider@other.local");
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"{MediaUrl(hidden)}/{mediaId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.PostAsync($"/projects/{host.OtherProjectId}/conversations/{visible}/media", Form(Png, "image/png"))).StatusCode);

        var dev = await host.As("dev@demo.local");
        var refused = await dev.PostAsync(MediaUrl(visible), Form(Png, "image/png"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Inbound_media_not_downloaded_yet_answers_202_and_a_failed_one_410()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34940000005", "photo", host.GeneralQueueId);
        var ids = (await host.ScalarAsync<string>("""
            with m as (select id, project_id from chat.messages where conversation_id = @conversation limit 1),
            ins as (insert into chat.media (project_id, message_id, ordinal, kind, provider_media_id, download_status, last_error)
                    select project_id, id, g, 'image', 'media-' || g, case g when 0 then 'pending' else 'failed' end,
                           case g when 1 then 'download: http_404' end
                    from m, generate_series(0, 1) g returning id, ordinal)
            select string_agg(id::text, ',' order by ordinal) from ins
            """, new { conversation })).Split(',').Select(long.Parse).ToArray();
        var agent = await host.As("agent@demo.local");

        var pending = await agent.GetAsync($"{MediaUrl(conversation)}/{ids[0]}");
        Assert.Equal(HttpStatusCode.Accepted, pending.StatusCode);
        Assert.Equal("pending", (await pending.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var failed = await agent.GetAsync($"{MediaUrl(conversation)}/{ids[1]}");
        Assert.Equal(HttpStatusCode.Gone, failed.StatusCode);
        Assert.Equal("media_unavailable", (await failed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }
}
