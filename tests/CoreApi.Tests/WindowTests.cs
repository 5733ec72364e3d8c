using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Meta's customer-service window, enforced by the database on every send, at the Core API's clock.</summary>
public sealed class WindowTests(CoreHost host) : IClassFixture<CoreHost>, IAsyncLifetime
{
    // The customer's last message; the clock moves relative to it.
    private static readonly DateTimeOffset T = new(2030, 3, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly ClockedApi _api = new(host, T);
    private SettableClock _clock => _api.Clock;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private Task<HttpClient> AgentAsync() => _api.AsAsync("agent@demo.local");

    private Task<long> AccountAsync(string channel) =>
        host.ScalarAsync<long>("select id from meta.accounts where project_id = @p and channel = @channel order by id limit 1",
            new { p = host.DemoProjectId, channel });

    private async Task<HttpResponseMessage> SendAsync(long conversation, TimeSpan after, string text)
    {
        _clock.Now = T + after;
        return await (await AgentAsync()).PostAsJsonAsync($"/conversations/{conversation}/messages", new { text });
    }

    [Fact]
    public async Task WhatsApp_free_form_is_accepted_at_23h59m_and_refused_at_24h01m_with_when_it_closed()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34940000001", "hello", host.GeneralQueueId, at: T);

        var inside = await SendAsync(conversation, TimeSpan.FromHours(23) + TimeSpan.FromMinutes(59), "still in time");
        Assert.Equal(HttpStatusCode.Created, inside.StatusCode);

        var outside = await SendAsync(conversation, TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1), "too late");
        Assert.Equal(HttpStatusCode.Conflict, outside.StatusCode);
        var problem = await outside.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("window_closed", problem.GetProperty("code").GetString());
        Assert.Equal(T.AddHours(24), problem.GetProperty("closedSince").GetDateTimeOffset());
        Assert.Equal(0L, await host.ScalarAsync<long>(
            "select count(*) from chat.messages where conversation_id = @conversation and body = 'too late'", new { conversation }));
    }

    [Fact]
    public async Task The_window_read_says_open_then_template_only_with_the_closing_time()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34940000002", "hello", host.GeneralQueueId, at: T);
        var agent = await AgentAsync();

        _clock.Now = T.AddHours(19);
        var open = await agent.GetFromJsonAsync<JsonElement>($"/conversations/{conversation}/window");
        Assert.True(open.GetProperty("isOpen").GetBoolean());
        Assert.Equal(T.AddHours(24), open.GetProperty("expiresAt").GetDateTimeOffset());

        _clock.Now = T.AddHours(30);
        var closed = await agent.GetFromJsonAsync<JsonElement>($"/conversations/{conversation}/window");
        Assert.True(closed.GetProperty("templateOnly").GetBoolean());
        Assert.Equal(T.AddHours(24), closed.GetProperty("closedSince").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_conversation_the_customer_never_wrote_in_is_template_only()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34940000003", "hello", host.GeneralQueueId, at: T);
        await host.ScalarAsync<int>("update chat.conversations set last_inbound_at = null where id = @conversation returning 1", new { conversation });
        var response = await SendAsync(conversation, TimeSpan.Zero, "hi");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("window_closed", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Messenger_at_25_hours_is_refused_when_the_project_does_not_use_the_human_agent_tag()
    {
        var conversation = await host.ConversationAsync(await AccountAsync("messenger"), "psid-win-1", "hello", host.GeneralQueueId, at: T);
        var response = await SendAsync(conversation, TimeSpan.FromHours(25), "a day later");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("window_closed", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Messenger_with_the_human_agent_tag_is_accepted_on_day_6_tagged_and_refused_on_day_8()
    {
        var conversation = await host.ConversationAsync(await AccountAsync("messenger"), "psid-win-2", "hello", host.GeneralQueueId, at: T);
        await host.ScalarAsync<int>("select 1 from core.set_human_agent_tag(@p, true)", new { p = host.DemoProjectId });
        try
        {
            var inTime = await SendAsync(conversation, TimeSpan.FromHours(2), "within a day");
            var early = (await inTime.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetInt64();
            Assert.Null(await host.ScalarAsync<string?>("select payload ->> 'tag' from chat.messages where id = @early", new { early }));

            var day6 = await SendAsync(conversation, TimeSpan.FromDays(6), "following up");
            Assert.Equal(HttpStatusCode.Created, day6.StatusCode);
            var messageId = (await day6.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetInt64();
            Assert.Equal("HUMAN_AGENT", await host.ScalarAsync<string>("select payload ->> 'tag' from chat.messages where id = @messageId", new { messageId }));

            var day8 = await SendAsync(conversation, TimeSpan.FromDays(8), "too late");
            Assert.Equal(HttpStatusCode.Conflict, day8.StatusCode);
            var problem = await day8.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("window_closed", problem.GetProperty("code").GetString());
            Assert.Equal(T.AddDays(7), problem.GetProperty("closedSince").GetDateTimeOffset());
        }
        finally
        {
            await host.ScalarAsync<int>("select 1 from core.set_human_agent_tag(@p, false)", new { p = host.DemoProjectId });
        }
    }

    [Fact]
    public async Task Automation_is_refused_in_the_days_only_the_human_agent_tag_opens()
    {
        // An AI agent's or a chatbot's send is chat.queue_outbound with no person (Meta: the tag is for a person's reply).
        const string Automated = "select message_id from chat.queue_outbound(@conversation, null, @client, 'text', 'automated', @now)";
        var conversation = await host.ConversationAsync(await AccountAsync("messenger"), "psid-win-4", "hello", host.GeneralQueueId, at: T);
        await host.ScalarAsync<int>("select 1 from core.set_human_agent_tag(@p, true)", new { p = host.DemoProjectId });
        try
        {
            Assert.True(await host.ScalarAsync<long>(Automated, new { conversation, client = "auto-hour-2", now = T.AddHours(2) }) > 0);

            var day6 = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
                host.ScalarAsync<long>(Automated, new { conversation, client = "auto-day-6", now = T.AddDays(6) }));
            Assert.Equal("MM002", day6.SqlState);
            Assert.Equal(0L, await host.ScalarAsync<long>(
                "select count(*) from chat.messages where conversation_id = @conversation and client_message_id = 'auto-day-6'", new { conversation }));
            // A person still may, the same day.
            Assert.Equal(HttpStatusCode.Created, (await SendAsync(conversation, TimeSpan.FromDays(6), "a person follows up")).StatusCode);
        }
        finally
        {
            await host.ScalarAsync<int>("select 1 from core.set_human_agent_tag(@p, false)", new { p = host.DemoProjectId });
        }
    }

    [Fact]
    public async Task WhatsApp_ignores_the_human_agent_tag()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34940000004", "hello", host.GeneralQueueId, at: T);
        await host.ScalarAsync<int>("select 1 from core.set_human_agent_tag(@p, true)", new { p = host.DemoProjectId });
        try
        {
            var response = await SendAsync(conversation, TimeSpan.FromHours(25), "a day later");
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        }
        finally
        {
            await host.ScalarAsync<int>("select 1 from core.set_human_agent_tag(@p, false)", new { p = host.DemoProjectId });
        }
    }

    [Fact]
    public async Task The_conversation_list_carries_when_the_window_closes()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34940000005", "list me", host.GeneralQueueId, at: T);
        var page = await (await AgentAsync()).GetFromJsonAsync<JsonElement>($"/projects/{host.DemoProjectId}/conversations?limit=200");
        var row = page.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetInt64() == conversation);
        Assert.Equal(T.AddHours(24), row.GetProperty("windowExpiresAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Meta_refusing_a_send_with_131047_closes_the_window_and_is_recorded()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34940000006", "hello", host.GeneralQueueId);
        var messageId = await host.ScalarAsync<long>("select message_id from chat.send_text(@conversation, null, 'w-131047', 'hi')", new { conversation });
        // What a failed status webhook (or the Worker's synchronous refusal) leaves on the message.
        await host.ScalarAsync<int>("""
            update chat.messages set status = 'failed', error_code = 131047, error_title = 'Re-engagement message' where id = @messageId returning 1
            """, new { messageId });

        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from chat.meta_rule_errors where message_id = @messageId and code = 131047", new { messageId }));
        Assert.False(await host.ScalarAsync<bool>("select is_open from chat.window_state(@conversation)", new { conversation }));
        var agent = await host.As("agent@demo.local");
        var refused = await agent.PostAsJsonAsync($"/conversations/{conversation}/messages", new { text = "again" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        // Retrying the refused text is a free-form send too.
        var retry = await agent.PostAsync($"/conversations/{conversation}/messages/{messageId}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
        Assert.Equal("window_closed", (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Meta_131050_records_a_marketing_opt_out_for_the_customer()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34940000007", "hello", host.GeneralQueueId);
        var messageId = await host.ScalarAsync<long>("select message_id from chat.send_text(@conversation, null, 'w-131050', 'offer')", new { conversation });
        await host.ScalarAsync<int>("update chat.messages set status = 'failed', error_code = 131050 where id = @messageId returning 1", new { messageId });

        Assert.Equal("meta_error", await host.ScalarAsync<string>("""
            select e.source from chat.consent_events e join chat.conversations cv on cv.contact_id = e.contact_id
            where cv.id = @conversation and e.scope = 'marketing' and e.action = 'opt_out'
            """, new { conversation }));
        Assert.True(await host.ScalarAsync<bool>("""
            select s.marketing_opted_out from chat.conversations cv, chat.consent_state(cv.contact_id, cv.account_id) s where cv.id = @conversation
            """, new { conversation }));
    }
}
