using System.Net;
using System.Text;

namespace MultichannelMessages.WebhookApi.Tests;

public sealed class IngestionTests(WebhookHost host) : IClassFixture<WebhookHost>
{
    [Fact]
    public async Task Inbound_text_creates_contact_conversation_and_message()
    {
        var response = await host.PostAsync(Payloads.Text("wamid.ing-1", "34611111111", "Hola", timestamp: 1700000000, name: "Ana"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var m = await host.RowAsync("""
            select m.direction, m.type, m.body, m.status, m.occurred_at, c.display_name, c.phone, cv.last_message_preview,
                   cv.last_inbound_at, cv.unread_count, cv.last_message_id = m.id as is_latest, p.slug
            from chat.messages m join chat.conversations cv on cv.id = m.conversation_id
            join chat.contacts c on c.id = cv.contact_id join core.projects p on p.id = m.project_id
            where m.provider_message_id = 'wamid.ing-1'
            """);
        Assert.NotNull(m);
        Assert.Equal("in", (string)m!.direction);
        Assert.Equal("text", (string)m.type);
        Assert.Equal("Hola", (string)m.body);
        Assert.Equal("received", (string)m.status);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000).UtcDateTime, ((DateTime)m.occurred_at).ToUniversalTime());
        Assert.Equal("Ana", (string)m.display_name);
        Assert.Equal("34611111111", (string)m.phone);
        Assert.Equal("Hola", (string)m.last_message_preview);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000).UtcDateTime, ((DateTime)m.last_inbound_at).ToUniversalTime());
        Assert.Equal(1, (int)m.unread_count);
        Assert.True((bool)m.is_latest);
        Assert.Equal("demo", (string)m.slug);
    }

    [Fact]
    public async Task Duplicate_delivery_is_stored_once()
    {
        var body = Encoding.UTF8.GetBytes(Payloads.Text("wamid.dup-1", "34622222222", "twice"));
        var concurrent = await Task.WhenAll(host.PostAsync(body), host.PostAsync(body));
        Assert.All(concurrent, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(body)).StatusCode);

        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from meta.webhook_events where event_hash = sha256(@Body)", new { Body = body }));
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.dup-1'"));
        Assert.Equal(1, await host.ScalarAsync<int>("""
            select unread_count from chat.conversations cv join chat.contacts c on c.id = cv.contact_id where c.external_id = '34622222222'
            """));
    }

    [Fact]
    public async Task Same_message_in_a_different_body_is_stored_once()
    {
        // Meta's retries are not always byte-identical: the provider message id dedupes what the hash cannot.
        await host.PostAsync(Payloads.Text("wamid.dup-2", "34633333333", "same message", name: "One"));
        await host.PostAsync(Payloads.Text("wamid.dup-2", "34633333333", "same message", name: "Another name"));
        Assert.Equal(2L, await host.ScalarAsync<long>("select count(*) from meta.webhook_events where convert_from(body, 'UTF8') like '%wamid.dup-2%'"));
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.dup-2'"));
    }

    [Fact]
    public async Task Batch_post_with_several_entries_changes_messages_and_statuses_is_fully_normalized()
    {
        var json = $$$"""
            {"object":"whatsapp_business_account","entry":[
              {"id":"{{{Payloads.Waba}}}","changes":[
                {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"{{{Payloads.PhoneNumberId}}}"},
                  "contacts":[{"profile":{"name":"B1"},"wa_id":"34644444441"},{"profile":{"name":"B2"},"wa_id":"34644444442"}],
                  "messages":[
                    {"from":"34644444441","id":"wamid.batch-1","timestamp":"1700000001","type":"text","text":{"body":"one"}},
                    {"from":"34644444442","id":"wamid.batch-2","timestamp":"1700000002","type":"text","text":{"body":"two"}}]}},
                {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"{{{Payloads.PhoneNumberId}}}"},
                  "messages":[{"from":"34644444441","id":"wamid.batch-3","timestamp":"1700000003","type":"text","text":{"body":"three"}}]}}]},
              {"id":"102290129340398","changes":[
                {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"106540352242922"},
                  "contacts":[{"profile":{"name":"B3"},"wa_id":"34644444443"}],
                  "messages":[{"from":"34644444443","id":"wamid.batch-4","timestamp":"1700000004","type":"text","text":{"body":"four"}}]}}]}
            ]}
            """;
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(json)).StatusCode);
        Assert.Equal(4L, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id like 'wamid.batch-%'"));
        var latest = await host.ScalarAsync<string>("""
            select cv.last_message_preview from chat.conversations cv join chat.contacts c on c.id = cv.contact_id
            where c.external_id = '34644444441'
            """);
        Assert.Equal("three", latest);
        Assert.Equal(2L, await host.ScalarAsync<long>("""
            select count(distinct m.account_id) from chat.messages m where provider_message_id like 'wamid.batch-%'
            """));
    }

    [Fact]
    public async Task Post_with_a_thousand_statuses_is_accepted_and_all_are_kept()
    {
        var statuses = string.Join(",", Enumerable.Range(0, 1000).Select(i =>
            $$$"""{"id":"wamid.bulk-{{{i}}}","status":"delivered","timestamp":"1700000100","recipient_id":"34655555555"}"""));
        var json = Payloads.WhatsAppValue($"\"statuses\":[{statuses}]");
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(json)).StatusCode);
        Assert.Equal(1000L, await host.ScalarAsync<long>("select count(*) from chat.message_status_events where provider_message_id like 'wamid.bulk-%'"));
    }

    [Fact]
    public async Task Older_message_arriving_late_does_not_replace_the_latest_preview()
    {
        await host.PostAsync(Payloads.Text("wamid.order-2", "34666666666", "newer", timestamp: 1700000200));
        await host.PostAsync(Payloads.Text("wamid.order-1", "34666666666", "older", timestamp: 1700000100));
        var row = await host.RowAsync("""
            select cv.last_message_preview, cv.last_inbound_at, cv.unread_count from chat.conversations cv
            join chat.contacts c on c.id = cv.contact_id where c.external_id = '34666666666'
            """);
        Assert.Equal("newer", (string)row!.last_message_preview);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000200).UtcDateTime, ((DateTime)row.last_inbound_at).ToUniversalTime());
        Assert.Equal(2, (int)row.unread_count);
    }

    [Fact]
    public async Task A_customer_message_in_the_same_second_as_our_reply_becomes_the_latest_preview()
    {
        await host.PostAsync(Payloads.Text("wamid.same-second-1", "34666666667", "hola", timestamp: 1700000300));
        // Our reply, stamped with milliseconds inside the next second (as chat.queue_outbound stamps it).
        await host.ScalarAsync<long>("""
            with cv as (select cv.* from chat.conversations cv join chat.contacts c on c.id = cv.contact_id where c.external_id = '34666666667'),
            m as (insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, status, status_rank, occurred_at)
                  select project_id, id, account_id, 'out', 'text', 'our reply', 'sent', chat.status_rank('sent'), to_timestamp(1700000301.7)
                  from cv returning id, conversation_id, occurred_at)
            update chat.conversations c set last_message_id = m.id, last_message_at = m.occurred_at, last_message_preview = 'our reply'
            from m where c.id = m.conversation_id
            returning c.id
            """);
        // WhatsApp stamps the customer's answer in whole seconds: 1700000301, "before" our 1700000301.7.
        await host.PostAsync(Payloads.Text("wamid.same-second-2", "34666666667", "gracias", timestamp: 1700000301));
        Assert.Equal("gracias", await host.ScalarAsync<string>("""
            select cv.last_message_preview from chat.conversations cv join chat.contacts c on c.id = cv.contact_id where c.external_id = '34666666667'
            """));
    }

    [Fact]
    public async Task Signed_body_that_is_not_json_is_kept_raw_with_its_error_and_answered_200()
    {
        var body = Encoding.UTF8.GetBytes("{\"object\":\"whatsapp_business_account\",\"entry\":[{oops");
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(body)).StatusCode);
        var row = await host.RowAsync("select body, parse_status, parse_error from meta.webhook_events where event_hash = sha256(@Body)", new { Body = body });
        Assert.Equal(body, (byte[])row!.body);
        Assert.Equal("parse_error", (string)row.parse_status);
        Assert.StartsWith("invalid_json", (string)row.parse_error);
    }

    [Fact]
    public async Task Signed_body_of_an_unknown_kind_is_kept_raw_and_answered_200()
    {
        var body = Encoding.UTF8.GetBytes("""{"object":"permissions","entry":[{"id":"1","time":1700000000,"changed_fields":["email"]}]}""");
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(body)).StatusCode);
        var row = await host.RowAsync("select parse_status, parse_error, object_kind from meta.webhook_events where event_hash = sha256(@Body)", new { Body = body });
        Assert.Equal("parse_error", (string)row!.parse_status);
        Assert.Contains("unknown_object", (string)row.parse_error);
    }

    [Fact]
    public async Task Event_for_an_account_no_project_owns_is_stored_and_flagged()
    {
        var body = Encoding.UTF8.GetBytes(Payloads.Text("wamid.unowned-1", "34677777777", "who owns me?", phoneNumberId: "999999999999"));
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(body)).StatusCode);
        var row = await host.RowAsync("select is_unowned, unowned_account_ids from meta.webhook_events where event_hash = sha256(@Body)", new { Body = body });
        Assert.True((bool)row!.is_unowned);
        Assert.Contains("whatsapp:999999999999", (string[])row.unowned_account_ids);
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.unowned-1'"));
    }

    [Fact]
    public async Task Event_whose_rows_the_database_refuses_is_kept_raw_and_the_rest_of_its_batch_is_normalized()
    {
        // jsonb refuses \u0000; the raw event must survive, and so must its neighbours.
        var bad = Encoding.UTF8.GetBytes(Payloads.Text("wamid.nul-1", "34688888881", "nul \\u0000 inside"));
        var good = Encoding.UTF8.GetBytes(Payloads.Text("wamid.nul-2", "34688888882", "fine"));
        var responses = await Task.WhenAll(host.PostAsync(bad), host.PostAsync(good));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var row = await host.RowAsync("select parse_status, parse_error from meta.webhook_events where event_hash = sha256(@Body)", new { Body = bad });
        Assert.Equal("ingest_error", (string)row!.parse_status);
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.nul-2'"));
    }

    [Fact]
    public async Task Value_level_errors_without_message_or_status_are_recorded()
    {
        var body = Fixture.Bytes("whatsapp/doc_value_level_errors_130429.json");
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(body)).StatusCode);
        var row = await host.RowAsync("select kind, event, reason, project_id from meta.account_events where account_external_id = '106540352242922' and kind = 'error'");
        Assert.Equal("130429", (string)row!.@event);
        Assert.Equal("Rate limit hit", (string)row.reason);
        Assert.NotNull(row.project_id);
    }

    [Fact]
    public async Task Management_health_reports_database_and_queue_depth()
    {
        var (_, json) = await host.ManagementGetAsync("/health");
        Assert.Contains("\"database\"", json);
        Assert.Contains("\"depth\"", json);
        Assert.Contains("\"status\":\"Healthy\"", json);
    }

    [Fact]
    public async Task Management_metrics_expose_ingestion_counters()
    {
        await host.PostAsync(Payloads.Text("wamid.metrics-1", "34699999999", "count me"));
        await host.PostAsync(Encoding.UTF8.GetBytes("{}"), secret: "wrong");
        var (_, text) = await host.ManagementGetAsync("/metrics");
        Assert.Contains("webhook_received", text);
        Assert.Contains("webhook_rejected", text);
        Assert.Contains("webhook_flushed", text);
        Assert.Contains("webhook_queue_depth", text);
        Assert.Contains("webhook_flush_duration", text);
    }
}
