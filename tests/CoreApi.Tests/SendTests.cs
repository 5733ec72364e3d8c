using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

public sealed class SendTests(CoreHost host) : IClassFixture<CoreHost>
{
    [Fact]
    public async Task Send_writes_a_queued_message_and_its_outbox_row_in_one_go()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34930000001", "hello?", host.GeneralQueueId);
        var response = await (await host.As("agent@demo.local")).PostAsJsonAsync($"/conversations/{conversation}/messages", new { text = "Hi! How can I help?" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var messageId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetInt64();

        Assert.Equal("queued", await host.ScalarAsync<string>("select status from chat.messages where id = @messageId", new { messageId }));
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from ops.outbox where message_id = @messageId and completed_at is null", new { messageId }));
        Assert.Equal("Hi! How can I help?", await host.ScalarAsync<string>("select last_message_preview from chat.conversations where id = @conversation", new { conversation }));
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from ops.change_feed where message_id = @messageId and kind = 'message_created'", new { messageId }));
    }

    [Fact]
    public async Task A_retried_send_with_the_same_idempotency_key_creates_one_message()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34930000002", "hello?", host.GeneralQueueId);
        var agent = await host.As("agent@demo.local");
        var body = new { text = "only once", clientMessageId = "c-7f3a" };
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => agent.PostAsJsonAsync($"/conversations/{conversation}/messages", body)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var ids = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetInt64()));
        Assert.Single(ids.Distinct());
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from ops.outbox o join chat.messages m on m.id = o.message_id where m.conversation_id = @conversation", new { conversation }));
    }

    [Theory]
    [InlineData("", "empty_message")]
    [InlineData("   ", "empty_message")]
    public async Task Empty_text_is_refused_naming_the_field(string text, string code)
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "3493000001" + code.Length + text.Length, "x", host.GeneralQueueId);
        var response = await (await host.As("agent@demo.local")).PostAsJsonAsync($"/conversations/{conversation}/messages", new { text });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal("text", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Text_over_whatsapps_4096_characters_is_refused()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34930000020", "x", host.GeneralQueueId);
        var response = await (await host.As("agent@demo.local")).PostAsJsonAsync($"/conversations/{conversation}/messages", new { text = new string('a', 4097) });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("message_too_long", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from chat.messages where conversation_id = @conversation and direction = 'out'", new { conversation }));
    }

    [Fact]
    public async Task A_role_without_reply_permission_sees_the_conversation_but_cannot_send()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34930000030", "x", host.GeneralQueueId);
        var dev = await host.As("dev@demo.local");
        Assert.Equal(HttpStatusCode.OK, (await dev.GetAsync($"/conversations/{conversation}/messages")).StatusCode);
        var response = await dev.PostAsJsonAsync($"/conversations/{conversation}/messages", new { text = "ops here" });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("forbidden", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }
}
