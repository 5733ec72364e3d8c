using System.Net;
using System.Text.Json.Nodes;

namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>
/// Meta's `calls` webhooks (the real payloads of shared/fixtures/meta/whatsapp/call_*.json, pointed at the demo number)
/// become calls.calls rows with their thread event, in any order and twice (docs/calls.md, "Ingestion").
/// </summary>
public sealed class CallIngestTests(WebhookHost host) : IClassFixture<WebhookHost>
{
    private const string Number = "1122334455667";
    private const string Waba = "1234567890987654321";

    private sealed record CallRow(long Id, string Direction, string State, string? Outcome, string? OfferSdp, string? AnswerSdp,
        DateTime? ConnectedAt, int? DurationSeconds, int? ErrorCode, string? ErrorTitle, string? EndedBy, long? MessageId, long ConversationId);

    /// <summary>A fixture, sent to the demo number, about call <paramref name="wacid"/> and customer <paramref name="customer"/>.</summary>
    private static string Fixture(string file, string wacid, string customer, Action<JsonObject>? change = null)
    {
        var root = JsonNode.Parse(MultichannelMessages.WebhookApi.Tests.Fixture.Bytes("whatsapp/" + file))!.AsObject();
        var entry = root["entry"]![0]!.AsObject();
        entry["id"] = Waba;
        var value = entry["changes"]![0]!["value"]!.AsObject();
        value["metadata"]!["phone_number_id"] = Number;
        value["contacts"]![0]!["wa_id"] = customer;
        foreach (var item in (value["calls"] ?? value["statuses"])!.AsArray())
        {
            item!["id"] = wacid;
            var business = item["direction"]?.GetValue<string>() == "BUSINESS_INITIATED" || value["statuses"] is not null;
            if (value["statuses"] is not null) item["recipient_id"] = customer;
            else if (business) item["to"] = customer;
            else item["from"] = customer;
            change?.Invoke(item.AsObject());
        }
        return root.ToJsonString();
    }

    private async Task PostAsync(string json) => Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(json)).StatusCode);

    private async Task<CallRow?> CallAsync(string wacid) => (await host.QueryAsync<CallRow>("""
        select c.id, c.direction, c.state, c.outcome, c.offer_sdp, c.answer_sdp, c.connected_at, c.duration_seconds, c.error_code,
               c.error_title, c.ended_by, c.message_id, c.conversation_id
        from calls.calls c where c.provider_call_id = @wacid
        """, new { wacid })).SingleOrDefault();

    [Fact]
    public async Task A_customers_call_rings_as_a_call_with_its_offer_and_thread_event_and_a_repeat_changes_nothing()
    {
        var connect = Fixture("call_connect_user_initiated.json", "wacid.in-1", "5491160000001");
        await PostAsync(connect);
        await PostAsync(connect + " "); // Meta again (another body hash, same call)

        var call = (await CallAsync("wacid.in-1"))!;
        Assert.Equal(("in", "ringing", (string?)null, "<<RFC 8866 SDP>>"), (call.Direction, call.State, call.Outcome, call.OfferSdp));
        Assert.Equal(1, await host.ScalarAsync<long>("select count(*) from calls.calls where provider_call_id = 'wacid.in-1'"));
        // A new customer: contact and conversation made, the call's event in the thread, the consoles told.
        Assert.Equal("Test Name", await host.ScalarAsync<string>(
            "select k.display_name from chat.conversations v join chat.contacts k on k.id = v.contact_id where v.id = @ConversationId", call));
        // Its business-scoped user id (contacts[].user_id), as a message's contact keeps it.
        Assert.Equal("US.13491208655302741918", await host.ScalarAsync<string>(
            "select k.bsuid from chat.conversations v join chat.contacts k on k.id = v.contact_id where v.id = @ConversationId", call));
        Assert.Equal(("call", "ringing"), (await host.QueryAsync<(string, string)>(
            "select type, payload->>'state' from chat.messages where id = @MessageId", call)).Single());
        Assert.Equal("[call:ringing]", await host.ScalarAsync<string>("select last_message_preview from chat.conversations where id = @ConversationId", call));
        Assert.True(await host.ScalarAsync<long>("select count(*) from ops.change_feed where kind = 'call' and conversation_id = @ConversationId", call) >= 1);
        Assert.Equal(2, await host.ScalarAsync<long>("select count(*) from calls.call_events where call_id = @Id and name = 'connect'", call));
        // The 24-hour window is a message's business, not a call's.
        Assert.Equal(1, await host.ScalarAsync<long>("select count(*) from chat.conversations where id = @ConversationId and last_inbound_at is null", call));
    }

    [Fact]
    public async Task A_call_nobody_took_ends_missed_and_one_that_failed_keeps_metas_error()
    {
        await PostAsync(Fixture("call_connect_user_initiated.json", "wacid.in-missed", "5491160000002"));
        await PostAsync(Fixture("call_terminate_completed.json", "wacid.in-missed", "5491160000002", c =>
        {
            c["direction"] = "USER_INITIATED"; c["status"] = "FAILED"; c.Remove("start_time"); c.Remove("end_time"); c.Remove("duration");
        }).Replace("\"errors\":[{\"code\":12455,\"message\":\"ERROR_TITLE\",\"href\":\"ERROR_HREF\",\"error_data\":{\"details\":\"ERROR_DETAILS\"}}]", "\"errors\":[]"));
        var missed = (await CallAsync("wacid.in-missed"))!;
        Assert.Equal(("ended", "missed", "customer", (int?)null), (missed.State, missed.Outcome, missed.EndedBy, missed.ErrorCode));
        Assert.Equal("[call:missed]", await host.ScalarAsync<string>("select last_message_preview from chat.conversations where id = @ConversationId", missed));

        await PostAsync(Fixture("call_connect_user_initiated.json", "wacid.in-failed", "5491160000003"));
        await PostAsync(Fixture("call_terminate_completed.json", "wacid.in-failed", "5491160000003", c =>
        {
            c["direction"] = "USER_INITIATED"; c["status"] = "FAILED"; c.Remove("start_time"); c.Remove("duration");
        }));
        var failed = (await CallAsync("wacid.in-failed"))!;
        Assert.Equal(("ended", "failed", 12455, "ERROR_TITLE", "meta"), (failed.State, failed.Outcome, failed.ErrorCode, failed.ErrorTitle, failed.EndedBy));
    }

    [Fact]
    public async Task A_terminate_before_its_connect_ends_the_call_and_the_late_connect_moves_nothing()
    {
        await PostAsync(Fixture("call_terminate_completed.json", "wacid.in-late", "5491160000004", c => c["direction"] = "USER_INITIATED"));
        await PostAsync(Fixture("call_connect_user_initiated.json", "wacid.in-late", "5491160000004"));

        var call = (await CallAsync("wacid.in-late"))!;
        Assert.Equal(("ended", "completed", 120), (call.State, call.Outcome, call.DurationSeconds));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1671644824).UtcDateTime, call.ConnectedAt);
        Assert.Equal(["terminate", "connect"], await host.QueryAsync<string>("select name from calls.call_events where call_id = @Id order by id", call));
    }

    [Fact]
    public async Task A_business_call_placed_by_the_worker_gets_metas_answer_rings_connects_and_completes_with_its_duration()
    {
        // What the Core API and the Worker leave: a connecting call, its marker sent to Meta, Meta's id not known yet.
        await PostAsync(Fixture("call_connect_user_initiated.json", "wacid.seed-out", "5491160000005")); // the customer exists
        var seed = (await CallAsync("wacid.seed-out"))!;
        var callId = await host.ScalarAsync<long>("""
            insert into calls.calls (project_id, account_id, conversation_id, contact_id, direction, state, offer_sdp)
            select project_id, account_id, conversation_id, contact_id, 'out', 'connecting', 'browser offer' from calls.calls where id = @Id
            returning id
            """, seed);
        var marker = "mm-call-" + callId;

        await PostAsync(Fixture("call_connect_business_initiated.json", "wacid.out-1", "5491160000005", c => c["biz_opaque_callback_data"] = marker));
        var ringing = (await CallAsync("wacid.out-1"))!;
        Assert.Equal((callId, "ringing"), (ringing.Id, ringing.State));
        Assert.False(string.IsNullOrEmpty(ringing.AnswerSdp));

        await PostAsync(Fixture("call_status_ringing.json", "wacid.out-1", "5491160000005", s => s["status"] = "ACCEPTED"));
        await PostAsync(Fixture("call_status_ringing.json", "wacid.out-1", "5491160000005")); // a late RINGING moves nothing back
        Assert.Equal("connected", (await CallAsync("wacid.out-1"))!.State);

        await PostAsync(Fixture("call_terminate_completed.json", "wacid.out-1", "5491160000005", c => c["biz_opaque_callback_data"] = marker)
            .Replace("\"errors\":[{\"code\":12455,\"message\":\"ERROR_TITLE\",\"href\":\"ERROR_HREF\",\"error_data\":{\"details\":\"ERROR_DETAILS\"}}]", "\"errors\":[]"));
        var done = (await CallAsync("wacid.out-1"))!;
        Assert.Equal(("ended", "completed", 120, "out"), (done.State, done.Outcome, done.DurationSeconds, done.Direction));
        Assert.Equal("completed", await host.ScalarAsync<string>("select payload->>'outcome' from chat.messages where id = @MessageId", done));
    }

    [Fact]
    public async Task A_call_to_a_number_of_another_app_makes_nothing_while_the_same_call_to_ours_does()
    {
        var theirs = Fixture("call_connect_user_initiated.json", "wacid.foreign", "5491160000006");
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(theirs, WebhookHost.PywaSecret)).StatusCode);
        var ours = Fixture("call_connect_user_initiated.json", "wacid.ours", "5491160000006");
        await PostAsync(ours);

        Assert.Null(await CallAsync("wacid.foreign"));
        Assert.NotNull(await CallAsync("wacid.ours"));
    }

    [Fact]
    public async Task A_customers_answer_to_a_permission_request_is_their_permission_and_the_request_is_answered()
    {
        // The request the business sent (as the Core API queues it): its message with Meta's id, and the request row.
        var customer = "5491160000007";
        await PostAsync(Fixture("call_connect_user_initiated.json", "wacid.perm-seed", customer));
        var seed = (await CallAsync("wacid.perm-seed"))!;
        var requestId = await host.ScalarAsync<long>("""
            with m as (insert into chat.messages (project_id, conversation_id, account_id, direction, provider_message_id, type, body, status, status_rank, occurred_at)
                       select project_id, conversation_id, account_id, 'out', 'wamid.perm-request', 'interactive', 'May we call you?', 'sent', 10, now()
                       from calls.calls where id = @Id returning id, project_id, conversation_id, account_id)
            insert into calls.permission_requests (project_id, account_id, contact_id, conversation_id, message_id)
            select m.project_id, m.account_id, c.contact_id, m.conversation_id, m.id from m join calls.calls c on c.id = @Id
            returning id
            """, seed);

        var reply = JsonNode.Parse(MultichannelMessages.WebhookApi.Tests.Fixture.Bytes("whatsapp/msg_interactive_call_permission_accept.json"))!.AsObject();
        var value = reply["entry"]![0]!["changes"]![0]!["value"]!.AsObject();
        reply["entry"]![0]!["id"] = Waba;
        value["metadata"]!["phone_number_id"] = Number;
        if (value["contacts"] is JsonArray contacts) contacts[0]!["wa_id"] = customer;
        var message = value["messages"]![0]!.AsObject();
        message["from"] = customer;
        message["id"] = "wamid.perm-reply";
        message["context"]!["id"] = "wamid.perm-request";
        await PostAsync(reply.ToJsonString());

        var permission = (await host.QueryAsync<(string Status, DateTime? ExpiresAt, string Source)>(
            "select status, expires_at, source from calls.permissions where contact_id = (select contact_id from calls.calls where id = @Id)", seed)).Single();
        Assert.Equal(("temporary", DateTimeOffset.FromUnixTimeSeconds(1753186982).UtcDateTime, "reply"), permission);
        Assert.Equal("accept", await host.ScalarAsync<string>("select response from calls.permission_requests where id = @requestId", new { requestId }));
        // The answer stays in the thread as the message it is.
        Assert.Equal(1, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.perm-reply' and type = 'interactive'"));

        // A reply whose expiry Meta wrote badly still counts, with the expiry unknown; the rest of the batch is kept.
        message["id"] = "wamid.perm-reply-odd";
        message["timestamp"] = "1752582500";
        message["interactive"]!["call_permission_reply"] = new JsonObject
        {
            ["response"] = "accept", ["expiration_timestamp"] = "next week", ["is_permanent"] = "maybe", ["response_source"] = "user_action",
        };
        await PostAsync(reply.ToJsonString());
        Assert.Equal(("temporary", (DateTime?)null), (await host.QueryAsync<(string, DateTime?)>(
            "select status, expires_at from calls.permissions where contact_id = (select contact_id from calls.calls where id = @Id)", seed)).Single());
        Assert.Equal(1, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.perm-reply-odd'"));

        // The customer later refuses (a newer reply): no permission any more.
        message["id"] = "wamid.perm-reply-2";
        message["timestamp"] = "1752582999";
        message["interactive"]!["call_permission_reply"] = new JsonObject { ["response"] = "reject", ["response_source"] = "user_action" };
        await PostAsync(reply.ToJsonString());
        Assert.Equal("no_permission", await host.ScalarAsync<string>(
            "select status from calls.permissions where contact_id = (select contact_id from calls.calls where id = @Id)", seed));
    }

    [Fact]
    public async Task Malformed_values_in_a_terminate_or_a_permission_reply_lose_only_those_values_never_the_event_or_the_message()
    {
        // A customer's call, then a terminate whose duration, times and error code are not numbers.
        var customer = "5491160000009";
        await PostAsync(Fixture("call_connect_user_initiated.json", "wacid.bad-1", customer));
        await PostAsync(Fixture("call_terminate_completed.json", "wacid.bad-1", customer, item =>
        {
            item["duration"] = "about a minute";
            item["start_time"] = "yesterday";
            item["end_time"] = new JsonObject { ["nested"] = true };
            item["errors"] = new JsonArray(new JsonObject { ["code"] = "1e99", ["title"] = "Odd" });
        }));
        var call = (await CallAsync("wacid.bad-1"))!;
        // Ended (the event applied), with what could be read; what could not is left empty, not guessed.
        Assert.Equal("ended", call.State);
        Assert.Null(call.DurationSeconds);
        Assert.Null(call.ErrorCode);
        Assert.Equal(1, await host.ScalarAsync<long>("select count(*) from calls.call_events where call_id = @Id and name = 'terminate'", call));
        Assert.Equal(0, await host.ScalarAsync<long>("""
            select count(*) from meta.webhook_events where parse_status = 'ingest_error' and convert_from(body, 'UTF8') like '%wacid.bad-1%'
            """));

        // A permission reply whose flag and expiry are not what Meta sends: the customer's message is stored, and the
        // permission is what can be read (temporary, with no known expiry), not lost with the message.
        var reply = JsonNode.Parse(MultichannelMessages.WebhookApi.Tests.Fixture.Bytes("whatsapp/msg_interactive_call_permission_accept.json"))!.AsObject();
        var value = reply["entry"]![0]!["changes"]![0]!["value"]!.AsObject();
        reply["entry"]![0]!["id"] = Waba;
        value["metadata"]!["phone_number_id"] = Number;
        if (value["contacts"] is JsonArray contacts) contacts[0]!["wa_id"] = customer;
        var message = value["messages"]![0]!.AsObject();
        message["from"] = customer;
        message["id"] = "wamid.bad-reply";
        var answer = message["interactive"]!["call_permission_reply"]!.AsObject();
        answer["is_permanent"] = "maybe";
        answer["expiration_timestamp"] = "next week";
        await PostAsync(reply.ToJsonString());
        Assert.Equal(1, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.bad-reply'"));
        Assert.Equal(("temporary", (DateTime?)null), (await host.QueryAsync<(string, DateTime?)>(
            "select status, expires_at from calls.permissions where contact_id = (select contact_id from calls.calls where id = @Id)", call)).Single());

        // Positive control: the same terminate with Meta's real values fills them in on another call.
        await PostAsync(Fixture("call_connect_user_initiated.json", "wacid.good-1", customer));
        await PostAsync(Fixture("call_terminate_completed.json", "wacid.good-1", customer));
        var good = (await CallAsync("wacid.good-1"))!;
        Assert.Equal(("ended", "completed"), (good.State, good.Outcome));
        Assert.NotNull(good.DurationSeconds);
    }

    private const string NoErrors = "\"errors\":[]";
    private const string FixtureErrors = "\"errors\":[{\"code\":12455,\"message\":\"ERROR_TITLE\",\"href\":\"ERROR_HREF\",\"error_data\":{\"details\":\"ERROR_DETAILS\"}}]";

    /// <summary>A business call as the Core API and the Worker leave it (connecting, the marker sent), for customer
    /// <paramref name="customer"/>, whose contact a customer's call makes first.</summary>
    private async Task<long> PlacedCallAsync(string customer, string seedWacid)
    {
        await PostAsync(Fixture("call_connect_user_initiated.json", seedWacid, customer));
        var seed = (await CallAsync(seedWacid))!;
        return await host.ScalarAsync<long>("""
            insert into calls.calls (project_id, account_id, conversation_id, contact_id, direction, state, offer_sdp)
            select project_id, account_id, conversation_id, contact_id, 'out', 'connecting', 'browser offer' from calls.calls where id = @Id
            returning id
            """, seed);
    }

    [Fact]
    public async Task A_malformed_duration_still_ends_the_call_with_everything_else_and_the_trail_names_it()
    {
        await PostAsync(Fixture("call_connect_user_initiated.json", "wacid.bad-duration", "5491160000010"));
        await PostAsync(Fixture("call_terminate_completed.json", "wacid.bad-duration", "5491160000010", c =>
        {
            c["direction"] = "USER_INITIATED"; c["duration"] = "two minutes";
        }).Replace(FixtureErrors, NoErrors));

        var call = (await CallAsync("wacid.bad-duration"))!;
        // Ended, completed (Meta's start_time says it connected), its times read; only the duration is unknown.
        Assert.Equal(("ended", "completed", (int?)null), (call.State, call.Outcome, call.DurationSeconds));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1671644824).UtcDateTime, call.ConnectedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1671644944).UtcDateTime,
            await host.ScalarAsync<DateTime>("select ended_at from calls.calls where id = @Id", call));
        var trail = await host.ScalarAsync<string>(
            "select detail::text from calls.call_events where call_id = @Id and name = 'terminate'", call);
        Assert.Contains("duration: not a number of seconds", trail);
        Assert.Contains("two minutes", trail); // Meta's value as sent
        Assert.Equal("completed", await host.ScalarAsync<string>("select payload->>'outcome' from chat.messages where id = @MessageId", call));

        // Positive control: the same terminate with a readable duration records it and names nothing.
        await PostAsync(Fixture("call_connect_user_initiated.json", "wacid.good-duration", "5491160000011"));
        await PostAsync(Fixture("call_terminate_completed.json", "wacid.good-duration", "5491160000011", c => c["direction"] = "USER_INITIATED")
            .Replace(FixtureErrors, NoErrors));
        var good = (await CallAsync("wacid.good-duration"))!;
        Assert.Equal(("completed", (int?)120), (good.Outcome, good.DurationSeconds));
        Assert.Equal(0, await host.ScalarAsync<long>(
            "select count(*) from calls.call_events where call_id = @Id and detail ? 'value_errors'", good));
    }

    [Fact]
    public async Task A_malformed_status_or_end_time_loses_only_that_value()
    {
        // An unknown terminate status: the call still ends (not failed: Meta did not say FAILED), at the webhook's time.
        await PostAsync(Fixture("call_connect_user_initiated.json", "wacid.bad-status", "5491160000012"));
        await PostAsync(Fixture("call_terminate_completed.json", "wacid.bad-status", "5491160000012", c =>
        {
            c["direction"] = "USER_INITIATED"; c["status"] = "TIMED_OUT"; c["end_time"] = "later";
        }));
        var call = (await CallAsync("wacid.bad-status"))!;
        Assert.Equal(("ended", "completed", (int?)120, (int?)null), (call.State, call.Outcome, call.DurationSeconds, call.ErrorCode));
        var trail = await host.ScalarAsync<string>("select detail::text from calls.call_events where call_id = @Id and name = 'terminate'", call);
        Assert.Contains("status: unknown value 'TIMED_OUT'", trail);
        Assert.Contains("end_time: not a Unix time", trail);

        // An unreadable direction: on a known call the event still applies; on an unknown one nothing is made.
        await PostAsync(Fixture("call_connect_user_initiated.json", "wacid.bad-direction", "5491160000019"));
        await PostAsync(Fixture("call_terminate_completed.json", "wacid.bad-direction", "5491160000019", c =>
        {
            c["direction"] = "SIDEWAYS"; c["from"] = "5491160000019";
        }).Replace(FixtureErrors, NoErrors));
        Assert.Equal(("ended", "completed"), ((await CallAsync("wacid.bad-direction"))!.State, (await CallAsync("wacid.bad-direction"))!.Outcome));
        await PostAsync(Fixture("call_connect_user_initiated.json", "wacid.bad-direction-new", "5491160000020", c => c["direction"] = "SIDEWAYS"));
        Assert.Null(await CallAsync("wacid.bad-direction-new"));
        Assert.Equal(1, await host.ScalarAsync<long>(
            "select count(*) from meta.webhook_events where convert_from(body, 'UTF8') like '%wacid.bad-direction-new%'"));
    }

    [Fact]
    public async Task A_business_call_the_customer_did_not_pick_up_is_no_answer_not_missed()
    {
        var callId = await PlacedCallAsync("5491160000013", "wacid.seed-na");
        var marker = "mm-call-" + callId;
        await PostAsync(Fixture("call_connect_business_initiated.json", "wacid.out-na", "5491160000013", c => c["biz_opaque_callback_data"] = marker));
        await PostAsync(Fixture("call_status_ringing.json", "wacid.out-na", "5491160000013"));
        // It rang out: terminate FAILED, no error, no start_time or duration (the sandbox's ignore, Meta's ring timeout).
        await PostAsync(Fixture("call_terminate_completed.json", "wacid.out-na", "5491160000013", c =>
        {
            c["status"] = "FAILED"; c.Remove("start_time"); c.Remove("end_time"); c.Remove("duration"); c["biz_opaque_callback_data"] = marker;
        }).Replace(FixtureErrors, NoErrors));

        var call = (await CallAsync("wacid.out-na"))!;
        Assert.Equal((callId, "ended", "no_answer", "customer", (int?)null), (call.Id, call.State, call.Outcome, call.EndedBy, call.ErrorCode));
        Assert.Equal("no_answer", await host.ScalarAsync<string>("select payload->>'outcome' from chat.messages where id = @MessageId", call));
        Assert.Equal("[call:no_answer]", await host.ScalarAsync<string>("select last_message_preview from chat.conversations where id = @ConversationId", call));
    }

    [Fact]
    public async Task A_connected_call_that_ends_failed_is_failed_only_with_metas_error()
    {
        // Connected, then FAILED with a media error (138021): failed, with Meta's error.
        var first = await PlacedCallAsync("5491160000014", "wacid.seed-f1");
        await PostAsync(Fixture("call_connect_business_initiated.json", "wacid.out-f1", "5491160000014", c => c["biz_opaque_callback_data"] = "mm-call-" + first));
        await PostAsync(Fixture("call_status_ringing.json", "wacid.out-f1", "5491160000014", s => s["status"] = "ACCEPTED"));
        await PostAsync(Fixture("call_terminate_completed.json", "wacid.out-f1", "5491160000014", c => c["status"] = "FAILED")
            .Replace(FixtureErrors, "\"errors\":[{\"code\":138021,\"message\":\"Media timeout\",\"error_data\":{\"details\":\"No media for 20 s\"}}]"));
        var failed = (await CallAsync("wacid.out-f1"))!;
        Assert.Equal(("failed", (int?)138021, "Media timeout", "meta", (int?)120),
            (failed.Outcome, failed.ErrorCode, failed.ErrorTitle, failed.EndedBy, failed.DurationSeconds));

        // Connected, then FAILED with no error: the call happened and ended; completed, no error shown.
        var second = await PlacedCallAsync("5491160000015", "wacid.seed-f2");
        await PostAsync(Fixture("call_connect_business_initiated.json", "wacid.out-f2", "5491160000015", c => c["biz_opaque_callback_data"] = "mm-call-" + second));
        await PostAsync(Fixture("call_status_ringing.json", "wacid.out-f2", "5491160000015", s => s["status"] = "ACCEPTED"));
        await PostAsync(Fixture("call_terminate_completed.json", "wacid.out-f2", "5491160000015", c => c["status"] = "FAILED").Replace(FixtureErrors, NoErrors));
        var completed = (await CallAsync("wacid.out-f2"))!;
        Assert.Equal(("completed", (int?)null, "customer"), (completed.Outcome, completed.ErrorCode, completed.EndedBy));
    }

    [Fact]
    public async Task A_business_call_placed_outside_the_platform_is_kept_once_as_the_accounts_call()
    {
        var customer = "5491160000016";
        // No marker of ours (another app or the WhatsApp Business app on the same number).
        var connect = Fixture("call_connect_business_initiated.json", "wacid.outside", customer, c => c.Remove("biz_opaque_callback_data"));
        await PostAsync(connect);
        await PostAsync(connect + " "); // Meta again
        await PostAsync(Fixture("call_status_ringing.json", "wacid.outside", customer, s => s["status"] = "ACCEPTED"));

        var live = (await CallAsync("wacid.outside"))!;
        Assert.Equal(("out", "connected"), (live.Direction, live.State));
        Assert.False(string.IsNullOrEmpty(live.AnswerSdp));
        Assert.True(await host.ScalarAsync<bool>("select placed_outside from calls.calls where id = @Id", live));
        Assert.Equal(1, await host.ScalarAsync<long>("select count(*) from calls.calls where provider_call_id = 'wacid.outside'"));
        Assert.Equal(customer, await host.ScalarAsync<string>(
            "select k.external_id from chat.conversations v join chat.contacts k on k.id = v.contact_id where v.id = @ConversationId", live));

        await PostAsync(Fixture("call_terminate_completed.json", "wacid.outside", customer, c => c.Remove("biz_opaque_callback_data")).Replace(FixtureErrors, NoErrors));
        var done = (await CallAsync("wacid.outside"))!;
        Assert.Equal(("ended", "completed", (int?)120), (done.State, done.Outcome, done.DurationSeconds));
        Assert.Equal("[call:completed]", await host.ScalarAsync<string>("select last_message_preview from chat.conversations where id = @ConversationId", done));
        Assert.Equal(["connect", "connect", "accepted", "terminate"],
            await host.QueryAsync<string>("select name from calls.call_events where call_id = @Id order by id", done));
        // A platform's own call is not placed_outside (positive control of the flag).
        var ours = await PlacedCallAsync("5491160000017", "wacid.seed-ours");
        Assert.False(await host.ScalarAsync<bool>("select placed_outside from calls.calls where id = @ours", new { ours }));
    }

    [Fact]
    public async Task A_calls_contact_gets_the_bsuid_and_a_bsuid_only_caller_is_the_same_contact_their_messages_find()
    {
        // The fixture's contacts[] carries the caller's user_id beside their wa_id.
        await PostAsync(Fixture("call_connect_user_initiated.json", "wacid.bsuid-1", "5491160000018"));
        var call = (await CallAsync("wacid.bsuid-1"))!;
        Assert.Equal("US.13491208655302741918", await host.ScalarAsync<string>(
            "select k.bsuid from calls.calls c join chat.contacts k on k.id = c.contact_id where c.id = @Id", call));

        // A user with a username: no phone, only their BSUID, in the call and in contacts[].
        var bsuid = "AR.77001122334455";
        var bsuidCall = JsonNode.Parse(Fixture("call_connect_user_initiated.json", "wacid.bsuid-2", "unused", c =>
        {
            c.Remove("from"); c["from_user_id"] = bsuid;
        }))!;
        bsuidCall["entry"]![0]!["changes"]![0]!["value"]!["contacts"] = new JsonArray(new JsonObject
        {
            ["profile"] = new JsonObject { ["name"] = "Username User" }, ["user_id"] = bsuid,
        });
        await PostAsync(bsuidCall.ToJsonString());
        var byBsuid = (await CallAsync("wacid.bsuid-2"))!;
        var contact = (await host.QueryAsync<(string ExternalId, string? Bsuid, string? Phone)>(
            "select k.external_id, k.bsuid, k.phone from calls.calls c join chat.contacts k on k.id = c.contact_id where c.id = @Id", byBsuid)).Single();
        Assert.Equal((bsuid, bsuid, (string?)null), contact);
        Assert.Equal("Username User", await host.ScalarAsync<string>(
            "select k.display_name from calls.calls c join chat.contacts k on k.id = c.contact_id where c.id = @Id", byBsuid));

        // Their message later: message ingestion finds the same contact and conversation.
        var message = JsonNode.Parse(MultichannelMessages.WebhookApi.Tests.Fixture.Bytes("whatsapp/msg_interactive_call_permission_accept.json"))!.AsObject();
        message["entry"]![0]!["id"] = Waba;
        var value = message["entry"]![0]!["changes"]![0]!["value"]!.AsObject();
        value["metadata"]!["phone_number_id"] = Number;
        value.Remove("contacts");
        var m = value["messages"]![0]!.AsObject();
        m.Remove("from"); m["from_user_id"] = bsuid; m["id"] = "wamid.bsuid-msg"; m.Remove("context"); m.Remove("interactive");
        m["type"] = "text"; m["text"] = new JsonObject { ["body"] = "hola" };
        await PostAsync(message.ToJsonString());
        Assert.Equal(byBsuid.ConversationId, await host.ScalarAsync<long>(
            "select conversation_id from chat.messages where provider_message_id = 'wamid.bsuid-msg'"));
    }
}
