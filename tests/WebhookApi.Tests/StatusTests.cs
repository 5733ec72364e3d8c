using System.Net;

namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>Statuses of outbound messages. Outbound messages arrive here as echoes (smb_message_echoes) since the
/// Core API that sends them comes later; the status logic is the same for both.</summary>
public sealed class StatusTests(WebhookHost host) : IClassFixture<WebhookHost>
{
    private async Task<dynamic> MessageAsync(string wamid) =>
        (await host.RowAsync("select status, status_rank, error_code, error_title, error_details, direction from chat.messages where provider_message_id = @Id", new { Id = wamid }))!;

    [Fact]
    public async Task Statuses_advance_a_message_sent_delivered_read()
    {
        await host.PostAsync(Payloads.Echo("wamid.st-1", "34710000001", "order shipped"));
        Assert.Equal("sent", (string)(await MessageAsync("wamid.st-1")).status);
        await host.PostAsync(Payloads.Status("wamid.st-1", "delivered", "34710000001", 1700000101));
        Assert.Equal("delivered", (string)(await MessageAsync("wamid.st-1")).status);
        await host.PostAsync(Payloads.Status("wamid.st-1", "read", "34710000001", 1700000102));
        Assert.Equal("read", (string)(await MessageAsync("wamid.st-1")).status);
        Assert.Equal(2L, await host.ScalarAsync<long>("select count(*) from chat.message_status_events where provider_message_id = 'wamid.st-1'"));
    }

    [Fact]
    public async Task Out_of_order_statuses_never_move_a_message_backwards()
    {
        await host.PostAsync(Payloads.Echo("wamid.st-2", "34710000002", "hello"));
        await host.PostAsync(Payloads.Status("wamid.st-2", "read", "34710000002", 1700000300));
        await host.PostAsync(Payloads.Status("wamid.st-2", "delivered", "34710000002", 1700000200));
        await host.PostAsync(Payloads.Status("wamid.st-2", "sent", "34710000002", 1700000100));
        Assert.Equal("read", (string)(await MessageAsync("wamid.st-2")).status);
        Assert.Equal(3L, await host.ScalarAsync<long>("select count(*) from chat.message_status_events where provider_message_id = 'wamid.st-2'"));
    }

    [Fact]
    public async Task Status_that_arrives_before_its_message_is_applied_when_the_message_appears()
    {
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(Payloads.Status("wamid.st-3", "delivered", "34710000003"))).StatusCode);
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from chat.message_status_events where provider_message_id = 'wamid.st-3'"));
        await host.PostAsync(Payloads.Echo("wamid.st-3", "34710000003", "late message"));
        Assert.Equal("delivered", (string)(await MessageAsync("wamid.st-3")).status);
    }

    [Fact]
    public async Task Duplicate_status_is_kept_once()
    {
        await host.PostAsync(Payloads.Echo("wamid.st-4", "34710000004", "x"));
        await host.PostAsync(Payloads.Status("wamid.st-4", "delivered", "34710000004", 1700000100));
        await host.PostAsync(Payloads.Status("wamid.st-4", "delivered", "34710000004", 1700000105));
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from chat.message_status_events where provider_message_id = 'wamid.st-4' and status = 'delivered'"));
    }

    [Fact]
    public async Task Failed_status_records_metas_code_title_and_details_on_the_message()
    {
        await host.PostAsync(Payloads.Echo("wamid.st-5", "34710000005", "too late"));
        var errors = """[{"code":131047,"title":"Re-engagement message","message":"Re-engagement message","error_data":{"details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."}}]""";
        await host.PostAsync(Payloads.Status("wamid.st-5", "failed", "34710000005", errorsJson: errors));
        var m = await MessageAsync("wamid.st-5");
        Assert.Equal("failed", (string)m.status);
        Assert.Equal(131047, (int)m.error_code);
        Assert.Equal("Re-engagement message", (string)m.error_title);
        Assert.Contains("24 hours", (string)m.error_details);
    }

    [Fact]
    public async Task Status_fixture_with_pricing_keeps_pricing_and_conversation()
    {
        await host.PostAsync(Fixture.Bytes("whatsapp/doc_status_delivered_cbp_service.json"));
        var row = await host.RowAsync("""
            select pricing->>'pricing_model' as model, conversation->'origin'->>'type' as origin, status
            from chat.message_status_events where provider_message_id = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA'
            """);
        Assert.Equal("CBP", (string)row!.model);
        Assert.Equal("service", (string)row.origin);
        Assert.Equal("delivered", (string)row.status);
    }

    [Fact]
    public async Task Revoked_message_is_marked_deleted()
    {
        await host.PostAsync(Payloads.Text("wamid.rv-1", "34710000006", "oops"));
        var revoke = Payloads.WhatsAppValue("""
            "contacts":[{"profile":{"name":"R"},"wa_id":"34710000006"}],
            "messages":[{"from":"34710000006","id":"wamid.rv-2","timestamp":"1700000400","type":"revoke","revoke":{"original_message_id":"wamid.rv-1"}}]
            """);
        await host.PostAsync(revoke);
        Assert.True(await host.ScalarAsync<bool>("select deleted_at is not null from chat.messages where provider_message_id = 'wamid.rv-1'"));
    }

    private async Task<long> ReplyAsync(string customer, string clientId)
    {
        var conversation = await host.ScalarAsync<long>("""
            select cv.id from chat.conversations cv join chat.contacts c on c.id = cv.contact_id where c.external_id = @customer
            """, new { customer });
        // Sent a minute after the customer wrote (the payloads are from 2023): inside the customer-service window.
        return await host.ScalarAsync<long>("""
            select message_id from chat.send_text(@conversation, null, @clientId, 'reply',
                                                  (select last_inbound_at + interval '1 minute' from chat.conversations where id = @conversation))
            """, new { conversation, clientId });
    }

    [Fact]
    public async Task A_status_carrying_our_callback_data_confirms_a_send_whose_answer_was_never_recorded()
    {
        await host.PostAsync(Payloads.Text("wamid.cb-in-1", "34710000021", "hi"));
        await host.PostAsync(Payloads.Text("wamid.cb-in-2", "34710000022", "hi"));
        var inFlight = await ReplyAsync("34710000021", "cb-1");
        var deadLettered = await ReplyAsync("34710000021", "cb-2");
        var otherCustomers = await ReplyAsync("34710000022", "cb-3");
        // cb-1: its request is out and unanswered (timed out, or its Worker died). cb-2: already failed as in doubt.
        await host.ScalarAsync<int>("""
            update ops.outbox set send_started_at = now(), locked_by = 'w', locked_until = now() + interval '1 minute'
            where message_id = @inFlight
            returning 1
            """, new { inFlight });
        await host.ScalarAsync<int>("""
            update ops.outbox set locked_by = 'w', locked_until = now() + interval '1 minute', send_started_at = now() where message_id = @deadLettered returning 1
            """, new { deadLettered });
        Assert.True(await host.ScalarAsync<bool>("select ops.fail_outbox(id, 'w', null, 'Send outcome unknown', null, 'in_doubt: test') from ops.outbox where message_id = @deadLettered",
            new { deadLettered }));

        await host.PostAsync(Payloads.Status("wamid.cb-out-1", "delivered", "34710000021", callbackData: inFlight.ToString()));
        await host.PostAsync(Payloads.Status("wamid.cb-out-2", "sent", "34710000021", callbackData: deadLettered.ToString()));
        // Callback data naming a message to another customer adopts nothing.
        await host.PostAsync(Payloads.Status("wamid.cb-out-3", "sent", "34710000021", callbackData: otherCustomers.ToString()));

        var first = await host.RowAsync("""
            select m.provider_message_id, m.status, o.completed_at is not null as completed
            from chat.messages m join ops.outbox o on o.message_id = m.id where m.id = @inFlight
            """, new { inFlight });
        Assert.Equal("wamid.cb-out-1", (string)first!.provider_message_id);
        Assert.Equal("delivered", (string)first.status);
        Assert.True((bool)first.completed);
        // The Worker's own answer may still arrive: recording the same id is success, not a lost lease.
        Assert.True(await host.ScalarAsync<bool>("select ops.complete_outbox(id, 'w', 'wamid.cb-out-1') from ops.outbox where message_id = @inFlight", new { inFlight }));

        var second = await host.RowAsync("""
            select m.provider_message_id, m.status, m.error_title, d.resolution
            from chat.messages m join ops.dead_letters d on d.message_id = m.id where m.id = @deadLettered
            """, new { deadLettered });
        Assert.Equal("wamid.cb-out-2", (string)second!.provider_message_id);
        Assert.Equal("sent", (string)second.status);
        Assert.Null((string?)second.error_title);
        Assert.Equal("confirmed_by_status", (string)second.resolution);

        Assert.Equal("queued", await host.ScalarAsync<string>("select status from chat.messages where id = @otherCustomers", new { otherCustomers }));
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.cb-out-3'"));
        // Consoles hear of it: the failure, then the confirmation.
        Assert.Equal(2L, await host.ScalarAsync<long>("select count(*) from ops.change_feed where message_id = @deadLettered and kind = 'message_status'",
            new { deadLettered }));
    }
}
