using System.Net;
using System.Net.Http.Json;
using MultichannelMessages.Contracts.Calls;
using static MultichannelMessages.CoreApi.Tests.ProblemResponses;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Calls through the Core API: taking a ringing call (one of two people at once wins), rejecting, hanging up,
/// hold, calling a customer (refused for each missing condition, with a positive control), who may (the number's list,
/// the conversation's queue), the live list and the switchboard, and another project's call never seen. Calls rows are
/// inserted as ingestion writes them; the Worker's part is read back as the calls.actions rows it would take.</summary>
public sealed class CallsApiTests(CoreHost host) : IClassFixture<CoreHost>
{
    public const string BrowserSdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
        + "a=fingerprint:sha-256 AB:CD:EF\r\na=setup:active\r\n";

    private string Calls => $"/projects/{host.DemoProjectId}/calls";

    private static int _customer;

    private static string NextCustomer() => $"3496{Interlocked.Increment(ref _customer) + Random.Shared.Next(100000, 999999) * 100:D10}";

    /// <summary>A customer calling the demo number: a ringing inbound call, as ingestion writes it.</summary>
    private async Task<(long CallId, long ConversationId)> RingingAsync(long? queueId = null, long? accountId = null)
    {
        var conversationId = await host.ConversationAsync(accountId ?? host.DemoAccountId, NextCustomer(), "hola", queueId);
        var callId = await host.ScalarAsync<long>("""
            insert into calls.calls (project_id, account_id, conversation_id, contact_id, provider_call_id, direction, state, offer_sdp)
            select project_id, account_id, id, contact_id, 'wacid.' || id, 'in', 'ringing', 'v=0' from chat.conversations where id = @conversationId
            returning id
            """, new { conversationId });
        await host.ScalarAsync<int>("select 1 from calls.touch(@callId)", new { callId });
        return (callId, conversationId);
    }

    private Task<string[]> ActionsAsync(long callId) =>
        host.QueryAsync<string>("select kind || coalesce(':' || left(sdp, 3), '') from calls.actions where call_id = @callId order by id", new { callId });

    private sealed record Row(string State, string? Outcome, long? AcceptedBy, string? EndedBy, string? AnswerSdp, bool OnHold);

    private async Task<Row> CallAsync(long callId) =>
        (await host.QueryAsync<Row>("select state, outcome, accepted_by, ended_by, answer_sdp, on_hold from calls.calls where id = @callId", new { callId })).Single();

    private Task<long> UserAsync(string email) => host.ScalarAsync<long>("select id from core.users where email = @email", new { email });

    /// <summary>Sets people's presence (only those online are rung).</summary>
    private async Task PresenceAsync(string status, params string[] emails)
    {
        foreach (var email in emails)
            await host.ScalarAsync<int>("select 1 from core.set_presence(@user, @status)", new { user = await UserAsync(email), status });
    }

    [Fact]
    public async Task Only_people_whose_presence_is_online_are_rung_and_their_own_calls_show_whatever_their_presence()
    {
        var (callId, _) = await RingingAsync();
        var agent = await host.As("agent@demo.local");
        await PresenceAsync("away", "agent@demo.local");
        Assert.DoesNotContain(await agent.GetFromJsonAsync<LiveCall[]>($"{Calls}/live") ?? [], c => c.Id == callId);
        await PresenceAsync("offline", "agent@demo.local");
        Assert.DoesNotContain(await agent.GetFromJsonAsync<LiveCall[]>($"{Calls}/live") ?? [], c => c.Id == callId);
        // Positive control: online, the same person is rung.
        await PresenceAsync("online", "agent@demo.local");
        Assert.Contains(await agent.GetFromJsonAsync<LiveCall[]>($"{Calls}/live") ?? [], c => c.Id == callId);
        // Taken, and then away: their own call stays in their list.
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsJsonAsync($"{Calls}/{callId}/accept", new AcceptCallRequest(BrowserSdp))).StatusCode);
        await PresenceAsync("away", "agent@demo.local");
        Assert.Contains(await agent.GetFromJsonAsync<LiveCall[]>($"{Calls}/live") ?? [], c => c.Id == callId);
    }

    [Fact]
    public async Task Of_two_people_taking_a_call_at_once_exactly_one_wins_and_the_other_is_told_call_already_taken()
    {
        for (var round = 0; round < 5; round++)
        {
            var (callId, _) = await RingingAsync();
            var agent = await host.As("agent@demo.local");
            var supervisor = await host.As("supervisor@demo.local");
            var answers = await Task.WhenAll(
                agent.PostAsJsonAsync($"{Calls}/{callId}/accept", new AcceptCallRequest(BrowserSdp)),
                supervisor.PostAsJsonAsync($"{Calls}/{callId}/accept", new AcceptCallRequest(BrowserSdp)));
            var statuses = answers.Select(a => a.StatusCode).Order().ToArray();
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], statuses);
            var loser = answers.Single(a => a.StatusCode == HttpStatusCode.Conflict);
            Assert.Equal((HttpStatusCode.Conflict, CallErrors.AlreadyTaken, null), await ProblemOf(loser));
            var winner = await answers.Single(a => a.IsSuccessStatusCode).Content.ReadFromJsonAsync<CallDetail>();
            var row = await CallAsync(callId);
            Assert.Equal("accepting", row.State);
            Assert.Equal(winner!.Call.AcceptedBy, row.AcceptedBy);
            Assert.Equal(BrowserSdp, row.AnswerSdp);
            Assert.Equal(["accept:v=0"], await ActionsAsync(callId));
            Assert.Contains(winner.Events, e => e is { Source: "console", Name: "accept" });
            Assert.Equal(1, await host.ScalarAsync<int>("select count(*)::int from chat.messages where conversation_id = @c and type = 'call'",
                new { c = winner.Call.ConversationId }));
        }
    }

    [Fact]
    public async Task An_answer_without_audio_or_fingerprint_is_refused_naming_the_sdp_and_nothing_is_queued()
    {
        var (callId, _) = await RingingAsync();
        var agent = await host.As("agent@demo.local");
        foreach (var bad in new[] { "", "hello", BrowserSdp.Replace("m=audio", "m=video"), BrowserSdp.Replace("a=fingerprint", "a=nothing") })
            Assert.Equal((HttpStatusCode.BadRequest, CallErrors.InvalidSdp, "sdp"),
                await ProblemOf(await agent.PostAsJsonAsync($"{Calls}/{callId}/accept", new AcceptCallRequest(bad))));
        Assert.Empty(await ActionsAsync(callId));
        Assert.Equal("ringing", (await CallAsync(callId)).State);
        // Positive control: the same call taken with a proper answer.
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsJsonAsync($"{Calls}/{callId}/accept", new AcceptCallRequest(BrowserSdp))).StatusCode);
        Assert.Equal(["accept:v=0"], await ActionsAsync(callId));
    }

    [Fact]
    public async Task Rejecting_ends_a_ringing_call_first_then_queues_the_reject_and_only_a_ringing_one()
    {
        var (callId, _) = await RingingAsync();
        var agent = await host.As("agent@demo.local");
        var detail = await (await agent.PostAsync($"{Calls}/{callId}/reject", null)).Content.ReadFromJsonAsync<CallDetail>();
        Assert.Equal(("ended", "rejected"), (detail!.Call.State, detail.Call.Outcome));
        Assert.Equal(("ended", "rejected", "agent"), ((await CallAsync(callId)).State, (await CallAsync(callId)).Outcome, (await CallAsync(callId)).EndedBy));
        Assert.Equal(["reject"], await ActionsAsync(callId));
        Assert.Equal((HttpStatusCode.Conflict, CallErrors.NotRinging, null), await ProblemOf(await agent.PostAsync($"{Calls}/{callId}/reject", null)));
        Assert.Equal((HttpStatusCode.Conflict, CallErrors.NotRinging, null),
            await ProblemOf(await agent.PostAsJsonAsync($"{Calls}/{callId}/accept", new AcceptCallRequest(BrowserSdp))));
        Assert.Equal(["reject"], await ActionsAsync(callId));
    }

    [Fact]
    public async Task Only_who_took_the_call_or_the_switchboard_hangs_up_completed_when_connected_cancelled_otherwise()
    {
        var (callId, _) = await RingingAsync();
        var agent = await host.As("agent@demo.local");
        var supervisor = await host.As("supervisor@demo.local");
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsJsonAsync($"{Calls}/{callId}/accept", new AcceptCallRequest(BrowserSdp))).StatusCode);
        await host.ScalarAsync<int>("update calls.calls set state = 'connected', connected_at = now() where id = @callId returning 1", new { callId });
        // Someone else (a supervisor has no switchboard) may not, nor hold it.
        Assert.Equal((HttpStatusCode.Forbidden, CallErrors.NotYours, null), await ProblemOf(await supervisor.PostAsync($"{Calls}/{callId}/hangup", null)));
        Assert.Equal((HttpStatusCode.Forbidden, CallErrors.NotYours, null),
            await ProblemOf(await supervisor.PostAsJsonAsync($"{Calls}/{callId}/hold", new HoldCallRequest(true))));
        Assert.Equal("connected", (await CallAsync(callId)).State);
        // Who took it holds it (logged), then hangs up.
        var held = await (await agent.PostAsJsonAsync($"{Calls}/{callId}/hold", new HoldCallRequest(true))).Content.ReadFromJsonAsync<CallDetail>();
        Assert.Contains(held!.Events, e => e.Name == "hold");
        Assert.True((await CallAsync(callId)).OnHold);
        var ended = await (await agent.PostAsync($"{Calls}/{callId}/hangup", null)).Content.ReadFromJsonAsync<CallDetail>();
        Assert.Equal(("ended", "completed", "agent"), (ended!.Call.State, ended.Call.Outcome, ended.Call.EndedBy));
        Assert.Equal(["accept:v=0", "terminate"], await ActionsAsync(callId));

        // The switchboard (admin) ends someone else's ringing call: cancelled.
        var (other, _) = await RingingAsync();
        var admin = await host.As("admin@demo.local");
        var cancelled = await (await admin.PostAsync($"{Calls}/{other}/hangup", null)).Content.ReadFromJsonAsync<CallDetail>();
        Assert.Equal(("ended", "cancelled"), (cancelled!.Call.State, cancelled.Call.Outcome));
        Assert.Equal(["terminate"], await ActionsAsync(other));
    }

    [Fact]
    public async Task A_number_that_lists_people_lets_only_them_take_its_calls_and_the_queues_hide_calls_as_conversations()
    {
        var agentId = await UserAsync("agent@demo.local");
        var supervisorId = await UserAsync("supervisor@demo.local");
        var (callId, _) = await RingingAsync();
        var agent = await host.As("agent@demo.local");
        var supervisor = await host.As("supervisor@demo.local");
        await PresenceAsync("online", "agent@demo.local", "supervisor@demo.local");
        try
        {
            await host.ScalarAsync<int>("""
                insert into calls.account_agents (account_id, user_id, project_id, can_take, can_make)
                values (@DemoAccountId, @supervisorId, @DemoProjectId, true, true), (@DemoAccountId, @agentId, @DemoProjectId, false, true)
                returning 1
                """, new { host.DemoAccountId, host.DemoProjectId, supervisorId, agentId });
            Assert.DoesNotContain(await agent.GetFromJsonAsync<LiveCall[]>($"{Calls}/live") ?? [], c => c.Id == callId);
            Assert.Contains(await supervisor.GetFromJsonAsync<LiveCall[]>($"{Calls}/live") ?? [], c => c.Id == callId);
            Assert.Equal((HttpStatusCode.Forbidden, CallErrors.NotAllowedOnNumber, null),
                await ProblemOf(await agent.PostAsJsonAsync($"{Calls}/{callId}/accept", new AcceptCallRequest(BrowserSdp))));
            Assert.Empty(await ActionsAsync(callId));
        }
        finally
        {
            await host.ScalarAsync<int>("delete from calls.account_agents where account_id = @DemoAccountId returning 1", new { host.DemoAccountId });
        }
        // With nobody listed, the role decides: the agent sees and takes it.
        var live = await agent.GetFromJsonAsync<LiveCall[]>($"{Calls}/live");
        Assert.Equal("v=0", live!.Single(c => c.Id == callId).OfferSdp);
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsJsonAsync($"{Calls}/{callId}/accept", new AcceptCallRequest(BrowserSdp))).StatusCode);

        // A call in a queue the agent is not in is not theirs to see or take (404), while a supervisor sees it.
        var restricted = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@DemoProjectId, 'Calls restricted ' || gen_random_uuid()) returning id",
            new { host.DemoProjectId });
        var (hidden, _) = await RingingAsync(restricted);
        Assert.DoesNotContain(await agent.GetFromJsonAsync<LiveCall[]>($"{Calls}/live") ?? [], c => c.Id == hidden);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"{Calls}/{hidden}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PostAsJsonAsync($"{Calls}/{hidden}/accept", new AcceptCallRequest(BrowserSdp))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await supervisor.GetAsync($"{Calls}/{hidden}")).StatusCode);
    }

    [Fact]
    public async Task Another_projects_call_is_not_found_and_never_listed()
    {
        var (foreign, _) = await RingingAsync(accountId: host.OtherAccountId);
        var admin = await host.As("admin@demo.local");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"{Calls}/{foreign}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync($"{Calls}/{foreign}/accept", new AcceptCallRequest(BrowserSdp))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync($"{Calls}/{foreign}/hangup", null)).StatusCode);
        Assert.DoesNotContain((await admin.GetFromJsonAsync<Switchboard>($"{Calls}/switchboard"))!.Calls, c => c.Id == foreign);
        Assert.Equal("ringing", (await CallAsync(foreign)).State);
        Assert.Empty(await ActionsAsync(foreign));
        // Positive control: its own project's admin sees it.
        var outsider = await host.As("outsider@other.local");
        Assert.Equal(HttpStatusCode.OK, (await outsider.GetAsync($"/projects/{host.OtherProjectId}/calls/{foreign}")).StatusCode);
    }

    [Fact]
    public async Task Calling_a_customer_needs_calling_enabled_a_permission_that_holds_and_no_other_live_call()
    {
        var conversationId = await host.ConversationAsync(host.DemoAccountId, NextCustomer(), "hola");
        var contactId = await host.ScalarAsync<long>("select contact_id from chat.conversations where id = @conversationId", new { conversationId });
        var agent = await host.As("agent@demo.local");
        var url = $"/projects/{host.DemoProjectId}/conversations/{conversationId}/calls";
        async Task<(HttpStatusCode, string?, string?)> Start() => await ProblemOf(await agent.PostAsJsonAsync(url, new StartCallRequest(BrowserSdp)));

        await host.ScalarAsync<int>("""
            insert into calls.settings (account_id, project_id, calling_enabled) values (@DemoAccountId, @DemoProjectId, false)
            on conflict (account_id) do update set calling_enabled = false returning 1
            """, new { host.DemoAccountId, host.DemoProjectId });
        Assert.Equal((HttpStatusCode.Conflict, CallErrors.CallingDisabled, null), await Start());
        await host.ScalarAsync<int>("update calls.settings set calling_enabled = true where account_id = @DemoAccountId returning 1", new { host.DemoAccountId });
        Assert.Equal((HttpStatusCode.Conflict, CallErrors.NoPermission, null), await Start());
        await host.ScalarAsync<int>("""
            insert into calls.permissions (account_id, contact_id, project_id, status, expires_at, source)
            values (@DemoAccountId, @contactId, @DemoProjectId, 'temporary', now() - interval '1 minute', 'reply') returning 1
            """, new { host.DemoAccountId, host.DemoProjectId, contactId });
        Assert.Equal((HttpStatusCode.Conflict, CallErrors.PermissionExpired, null), await Start());
        Assert.Equal((HttpStatusCode.BadRequest, CallErrors.InvalidSdp, "sdp"),
            await ProblemOf(await agent.PostAsJsonAsync(url, new StartCallRequest("v=0"))));
        Assert.Equal(0, await host.ScalarAsync<int>("select count(*)::int from calls.calls where conversation_id = @conversationId", new { conversationId }));

        // Positive control: a temporary permission that holds lets the call go out (connecting, offer, connect action).
        await host.ScalarAsync<int>("update calls.permissions set expires_at = now() + interval '1 day' where contact_id = @contactId returning 1", new { contactId });
        var response = await agent.PostAsJsonAsync(url, new StartCallRequest(BrowserSdp));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = (await response.Content.ReadFromJsonAsync<CallDetail>())!;
        Assert.Equal(("out", "connecting", BrowserSdp), (call.Call.Direction, call.Call.State, call.OfferSdp));
        Assert.Equal(["connect:v=0"], await ActionsAsync(call.Call.Id));
        Assert.Equal((HttpStatusCode.Conflict, CallErrors.CallInProgress, null), await Start());
        Assert.Contains(await agent.GetFromJsonAsync<CallSummary[]>(url) ?? [], c => c.Id == call.Call.Id);
        Assert.Contains(await agent.GetFromJsonAsync<LiveCall[]>($"{Calls}/live") ?? [], c => c.Id == call.Call.Id);

        // The caller hangs up their own call while it connects: cancelled.
        var ended = await (await agent.PostAsync($"{Calls}/{call.Call.Id}/hangup", null)).Content.ReadFromJsonAsync<CallDetail>();
        Assert.Equal("cancelled", ended!.Call.Outcome);
    }

    [Fact]
    public async Task The_switchboard_shows_every_live_call_and_each_persons_call_state()
    {
        var (callId, _) = await RingingAsync();
        var supervisor = await host.As("supervisor@demo.local");
        Assert.Equal(HttpStatusCode.OK, (await supervisor.PostAsJsonAsync($"{Calls}/{callId}/accept", new AcceptCallRequest(BrowserSdp))).StatusCode);
        var admin = await host.As("admin@demo.local");
        var board = (await admin.GetFromJsonAsync<Switchboard>($"{Calls}/switchboard"))!;
        Assert.Contains(board.Calls, c => c.Id == callId && c.State == "accepting");
        var supervisorId = await UserAsync("supervisor@demo.local");
        var state = board.Agents.Single(a => a.UserId == supervisorId);
        Assert.True(state.CallState == "in_call" && state.CallId is not null, state.ToString());
        Assert.DoesNotContain(board.Agents, a => a.UserId == 0);
        // An agent has no switchboard.
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("agent@demo.local")).GetAsync($"{Calls}/switchboard")).StatusCode);
        await supervisor.PostAsync($"{Calls}/{callId}/hangup", null);
    }

    [Fact]
    public async Task A_permission_request_goes_out_through_the_outbox_within_Metas_limits_each_refusal_explained()
    {
        var conversationId = await host.ConversationAsync(host.DemoAccountId, NextCustomer(), "hola");
        var contactId = await host.ScalarAsync<long>("select contact_id from chat.conversations where id = @conversationId", new { conversationId });
        var agent = await host.As("agent@demo.local");
        var url = $"/projects/{host.DemoProjectId}/conversations/{conversationId}";
        async Task<(HttpStatusCode, string?, string?)> Ask(string? text = null) =>
            await ProblemOf(await agent.PostAsJsonAsync($"{url}/call-permission-requests", new PermissionRequestBody(text)));
        Task<int> Requests() => host.ScalarAsync<int>("select count(*)::int from calls.permission_requests where contact_id = @contactId", new { contactId });
        // Older requests as they would stand, answered (rejected) so none is pending.
        Task Past(string age) => host.ScalarAsync<int>("""
            insert into calls.permission_requests (project_id, account_id, contact_id, conversation_id, message_id, requested_at, response)
            select project_id, account_id, contact_id, id, last_message_id, now() - @age::interval, 'reject' from chat.conversations where id = @conversationId
            returning 1
            """, new { conversationId, age });

        Assert.Equal((HttpStatusCode.BadRequest, "text_too_long", "text"), await Ask(new string('x', 1025)));
        var state = await agent.GetFromJsonAsync<CallPermissionState>($"{url}/call-permission");
        Assert.Equal(("no_permission", false, true), (state!.Status, state.CanCall, state.CanRequest));

        // Positive control: the request is queued as an interactive message in Meta's shape, and recorded.
        var sent = await agent.PostAsJsonAsync($"{url}/call-permission-requests", new PermissionRequestBody(null));
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        var payload = await host.ScalarAsync<string>("""
            select m.type || ' ' || (m.payload -> 'interactive')::text from calls.permission_requests r
            join chat.messages m on m.id = r.message_id join ops.outbox o on o.message_id = m.id where r.contact_id = @contactId
            """, new { contactId });
        Assert.StartsWith("interactive ", payload);
        Assert.Contains("\"type\": \"call_permission_request\"", payload);
        Assert.Contains(CallPermissionDefault, payload);
        var after = (await sent.Content.ReadFromJsonAsync<CallPermissionState>())!;
        Assert.Equal((false, CallErrors.RequestPending), (after.CanRequest, after.RequestRefusal));
        Assert.Equal((HttpStatusCode.Conflict, CallErrors.RequestPending, null), await Ask());

        // Answered (rejected): the 24 hours still stop the next one, and say when it is allowed.
        await host.ScalarAsync<int>("update calls.permission_requests set response = 'reject' where contact_id = @contactId returning 1", new { contactId });
        Assert.Equal((HttpStatusCode.Conflict, CallErrors.RequestDailyLimit, null), await Ask());
        var daily = (await agent.GetFromJsonAsync<CallPermissionState>($"{url}/call-permission"))!;
        Assert.True(daily.NextRequestAt > DateTimeOffset.UtcNow.AddHours(23), daily.ToString());

        // Two in the week (the last one 2 days ago): the week stops it even when the day would allow.
        await host.ScalarAsync<int>("delete from calls.permission_requests where contact_id = @contactId returning 1", new { contactId });
        await Past("2 days"); await Past("3 days");
        Assert.Equal((HttpStatusCode.Conflict, CallErrors.RequestWeeklyLimit, null), await Ask());
        Assert.Equal(2, await Requests());
        // A connected call since then resets the limits.
        var callId = await host.ScalarAsync<long>("""
            insert into calls.calls (project_id, account_id, conversation_id, contact_id, direction, state, outcome, connected_at, ended_at)
            select project_id, account_id, id, contact_id, 'out', 'ended', 'completed', now() - interval '1 day', now() - interval '1 day'
            from chat.conversations where id = @conversationId returning id
            """, new { conversationId });
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsJsonAsync($"{url}/call-permission-requests", new PermissionRequestBody("May we call?"))).StatusCode);
        Assert.Equal(3, await Requests());

        // Permanent: no request, and the call may go out once calling is on.
        await host.ScalarAsync<int>("""
            insert into calls.permissions (account_id, contact_id, project_id, status, source) values (@DemoAccountId, @contactId, @DemoProjectId, 'permanent', 'reply')
            on conflict (account_id, contact_id) do update set status = 'permanent' returning 1
            """, new { host.DemoAccountId, host.DemoProjectId, contactId });
        await host.ScalarAsync<int>("update calls.permission_requests set response = 'accept' where contact_id = @contactId returning 1", new { contactId });
        Assert.Equal((HttpStatusCode.Conflict, CallErrors.RequestAlreadyPermanent, null), await Ask());
        Assert.Equal(3, await Requests());

        // The window closed (the customer last wrote two days ago): no request.
        var old = await host.ConversationAsync(host.DemoAccountId, NextCustomer(), "hola", at: DateTimeOffset.UtcNow.AddDays(-2));
        Assert.Equal((HttpStatusCode.Conflict, CallErrors.RequestWindowClosed, null),
            await ProblemOf(await agent.PostAsJsonAsync($"/projects/{host.DemoProjectId}/conversations/{old}/call-permission-requests", new PermissionRequestBody(null))));
        Assert.Equal(0, await host.ScalarAsync<int>("select count(*)::int from calls.permission_requests where conversation_id = @old", new { old }));
        Assert.True(callId > 0);
    }

    [Fact]
    public async Task Reading_a_stale_permission_queues_one_lookup_for_the_worker_and_a_fresh_one_none()
    {
        var agent = await host.As("agent@demo.local");
        async Task<(long Conversation, long Contact)> CustomerAsync(string? lookedUpAgo, string status = "no_permission", string? expiresIn = null)
        {
            var conversation = await host.ConversationAsync(host.DemoAccountId, NextCustomer(), "hola");
            var contact = await host.ScalarAsync<long>("select contact_id from chat.conversations where id = @conversation", new { conversation });
            if (lookedUpAgo is not null)
                await host.ScalarAsync<int>("""
                    insert into calls.permissions (account_id, contact_id, project_id, status, expires_at, source, looked_up_at, updated_at)
                    values (@DemoAccountId, @contact, @DemoProjectId, @status, now() + @expiresIn::interval, 'lookup',
                            now() - @lookedUpAgo::interval, now() - @lookedUpAgo::interval)
                    returning 1
                    """, new { host.DemoAccountId, host.DemoProjectId, contact, status, expiresIn, lookedUpAgo });
            return (conversation, contact);
        }
        async Task<CallPermissionState> ReadAsync(long conversation) =>
            (await agent.GetFromJsonAsync<CallPermissionState>($"/projects/{host.DemoProjectId}/conversations/{conversation}/call-permission"))!;
        Task<long> LookupsAsync(long contact) =>
            host.ScalarAsync<long>("select count(*) from calls.actions where kind = 'permission_lookup' and contact_id = @contact", new { contact });

        // Read from Meta two days ago (older than Calls:PermissionMaxAgeMinutes, a day): two consoles, one lookup.
        var (stale, staleContact) = await CustomerAsync("2 days");
        Assert.True((await ReadAsync(stale)).LookupPending);
        Assert.True((await ReadAsync(stale)).LookupPending);
        Assert.Equal(1, await LookupsAsync(staleContact));
        // A temporary permission past its expiry, read before it expired: stale too.
        var (expired, expiredContact) = await CustomerAsync("2 hours", "temporary", "-1 hour");
        var expiredState = await ReadAsync(expired);
        Assert.Equal(("temporary", false, true), (expiredState.Status, expiredState.CanCall, expiredState.LookupPending));
        Assert.Equal(1, await LookupsAsync(expiredContact));
        // Never known: asked once.
        var (unknown, unknownContact) = await CustomerAsync(null);
        Assert.True((await ReadAsync(unknown)).LookupPending);
        Assert.Equal(1, await LookupsAsync(unknownContact));

        // Fresh (read an hour ago): nothing queued, nothing pending.
        var (fresh, freshContact) = await CustomerAsync("1 hour", "temporary", "3 days");
        Assert.False((await ReadAsync(fresh)).LookupPending);
        Assert.Equal(0, await LookupsAsync(freshContact));

        // Once the Worker has done the lookup, the stale one may be asked again (no pending one any more).
        await host.ScalarAsync<int>("update calls.actions set state = 'done', done_at = now() where contact_id = @staleContact returning 1", new { staleContact });
        Assert.True((await ReadAsync(stale)).LookupPending);
        Assert.Equal(2, await LookupsAsync(staleContact));
    }

    [Fact]
    public async Task A_business_call_placed_outside_the_platform_is_in_the_conversations_history_marked_so()
    {
        var conversationId = await host.ConversationAsync(host.DemoAccountId, NextCustomer(), "hola");
        // As ingestion keeps one (Meta's id, no marker of ours), and one of ours beside it (the control).
        await host.ScalarAsync<int>("""
            insert into calls.calls (project_id, account_id, conversation_id, contact_id, provider_call_id, direction, state, outcome,
                                     ended_at, placed_outside)
            select project_id, account_id, id, contact_id, v.wacid, 'out', 'ended', v.outcome, now(), v.outside
            from chat.conversations, (values ('wacid.outside-' || @conversationId, 'no_answer', true),
                                             ('wacid.ours-' || @conversationId, 'completed', false)) v(wacid, outcome, outside)
            where id = @conversationId
            returning 1
            """, new { conversationId });
        var agent = await host.As("agent@demo.local");
        var calls = await agent.GetFromJsonAsync<CallSummary[]>($"/projects/{host.DemoProjectId}/conversations/{conversationId}/calls") ?? [];
        Assert.Equal([("no_answer", true), ("completed", false)],
            calls.OrderBy(c => c.Id).Select(c => (c.Outcome!, c.PlacedOutside)).ToArray());
    }

    private const string CallPermissionDefault = MultichannelMessages.CoreApi.Calls.CallPermissionApi.DefaultText;

    [Fact]
    public async Task Saving_call_settings_is_a_new_pending_version_queued_for_the_Worker_and_logged_with_call_hours_checked_by_field()
    {
        var url = $"/projects/{host.DemoProjectId}/accounts/{host.DemoAccountId}/call-settings";
        var admin = await host.As("admin@demo.local");
        const string Hours = """{"status":"ENABLED","timezone_id":"Europe/Madrid","weekly_operating_hours":[{"day_of_week":"MONDAY","open_time":"0900","close_time":"1800"}],"holiday_schedule":[{"date":"2026-12-25","start_time":"0000","end_time":"2359"}]}""";
        CallSettings With(string? hours) => new(host.DemoAccountId, true, true, false, hours, false, 30, "synced", null, null);
        foreach (var (bad, field) in new[]
        {
            ("{", "callHoursJson"),
            (Hours.Replace("ENABLED", "ON"), "callHoursJson.status"),
            (Hours.Replace("Europe/Madrid", "Mars/Olympus"), "callHoursJson.timezone_id"),
            (Hours.Replace("MONDAY", "MONDAYS"), "callHoursJson.weekly_operating_hours[0].day_of_week"),
            (Hours.Replace("\"1800\"", "\"0800\""), "callHoursJson.weekly_operating_hours[0].close_time"),
            (Hours.Replace("2026-12-25", "25/12/2026"), "callHoursJson.holiday_schedule[0].date"),
        })
            Assert.Equal((HttpStatusCode.BadRequest, "invalid_call_hours", field), await ProblemOf(await admin.PutAsJsonAsync(url, With(bad))));
        Task<int> SettingsActions() => host.ScalarAsync<int>("select count(*)::int from calls.actions where account_id = @DemoAccountId and kind = 'settings'", new { host.DemoAccountId });
        Assert.Equal(0, await SettingsActions());
        // An agent may read them, not change them.
        var agent = await host.As("agent@demo.local");
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PutAsJsonAsync(url, With(Hours))).StatusCode);

        var version = await host.ScalarAsync<int?>("select version from calls.settings where account_id = @DemoAccountId", new { host.DemoAccountId }) ?? 0;
        await host.ScalarAsync<int?>("update calls.settings set sync_state = 'synced' where account_id = @DemoAccountId returning 1", new { host.DemoAccountId });
        var saved = await admin.PutAsJsonAsync(url, With(Hours));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var settings = (await saved.Content.ReadFromJsonAsync<CallSettings>())!;
        Assert.Equal(("pending", true, 30), (settings.SyncState, settings.CallingEnabled, settings.RecordingRetentionDays));
        Assert.Equal(version == 0 ? 1 : version + 1, await host.ScalarAsync<int>("select version from calls.settings where account_id = @DemoAccountId", new { host.DemoAccountId }));
        Assert.Equal(1, await SettingsActions());
        Assert.Equal(1, await host.ScalarAsync<int>("""
            select count(*)::int from ops.command_log where action = 'calls.settings.update' and target_id = @id and actor = 'admin@demo.local'
            """, new { id = host.DemoAccountId.ToString() }));
        // Another project's number is not found.
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync($"/projects/{host.DemoProjectId}/accounts/{host.OtherAccountId}/call-settings", With(Hours))).StatusCode);
        Assert.Equal(1, await SettingsActions());
    }

    [Fact]
    public async Task The_numbers_list_of_people_is_saved_whole_by_a_manager_members_only_and_logged()
    {
        var url = $"/projects/{host.DemoProjectId}/accounts/{host.DemoAccountId}/call-agents";
        var admin = await host.As("admin@demo.local");
        var supervisorId = await UserAsync("supervisor@demo.local");
        var outsiderId = await UserAsync("outsider@other.local");
        try
        {
            Assert.Equal((HttpStatusCode.BadRequest, "not_a_member", "userId"),
                await ProblemOf(await admin.PutAsJsonAsync(url, new[] { new CallAgent(outsiderId, null, true, true) })));
            Assert.Empty((await admin.GetFromJsonAsync<CallAgent[]>(url))!);
            Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("supervisor@demo.local")).PutAsJsonAsync(url, new[] { new CallAgent(supervisorId, null, true, true) })).StatusCode);
            var saved = await admin.PutAsJsonAsync(url, new[] { new CallAgent(supervisorId, null, true, false) });
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
            var list = (await saved.Content.ReadFromJsonAsync<CallAgent[]>())!;
            Assert.Equal((supervisorId, true, false), (list.Single().UserId, list.Single().CanTake, list.Single().CanMake));
            Assert.True(await host.ScalarAsync<int>("select count(*)::int from ops.command_log where action = 'calls.agents.update' and target_id = @id",
                new { id = host.DemoAccountId.ToString() }) >= 1);
        }
        finally
        {
            await admin.PutAsJsonAsync(url, Array.Empty<CallAgent>());
        }
        Assert.Empty((await admin.GetFromJsonAsync<CallAgent[]>(url))!);
    }
}
