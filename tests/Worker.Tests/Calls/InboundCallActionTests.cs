using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Calls;

/// <summary>A customer's call, carried to Meta by the Worker's call actions loop against the sandbox: accepted
/// (pre_accept, then accept with the same SDP), too late (138007), rejected, terminated, taken by one Worker of two,
/// and rung out.</summary>
public sealed class InboundCallActionTests
{
    [Fact]
    public async Task An_accept_is_woken_at_once_pre_accepted_then_accepted_with_the_same_sdp_and_the_call_connected()
    {
        var kit = await CallKit.StartAsync("call_accept");
        await using var sandbox = kit.Sandbox;
        // A poll of a minute: only the NOTIFY call_actions can get the accept out within the test's few seconds.
        await using var worker = WorkerHost.Start(kit.Db, sandbox, ("Calls:PollIntervalMs", "60000"));
        var call = await kit.CustomerCallsAsync("5491155550101");
        await Task.Delay(300); // the loop's first claim (at start) is behind it: the accept must come by the wake-up

        var actionId = await kit.AcceptAsync(call.CallId);
        var row = await kit.WaitForCallAsync(call.CallId, c => c.State == "connected", "connected after Meta took the accept", seconds: 8);

        Assert.NotNull(row.ConnectedAt);
        var atMeta = await kit.SandboxCallAsync(call.Wacid);
        Assert.Equal("connected", atMeta.State);
        Assert.Equal(["pre_accept", "accept"], CallKit.GraphActions(atMeta));
        Assert.Equal(CallKit.BrowserAnswer, atMeta.Answer);
        var action = await kit.ActionAsync(actionId);
        Assert.Equal(("done", 1), (action.State, action.AttemptCount));
        Assert.Equal(["graph:pre_accept", "graph:accept"], await kit.EventsAsync(call.CallId));
        var logged = await kit.Db.ScalarAsync<string>(
            "select detail::text from calls.call_events where call_id = @CallId and name = 'accept'", new { call.CallId });
        Assert.Contains("\"success\":true", logged.Replace(" ", ""));
        Assert.DoesNotContain("EAAG", logged); // the token never reaches the trail
        Assert.DoesNotContain("ice-pwd", logged); // nor the SDP: it is on the call row
        // The thread event follows (calls.touch).
        Assert.Equal("connected", await kit.Db.ScalarAsync<string>(
            "select m.payload->>'state' from calls.calls c join chat.messages m on m.id = c.message_id where c.id = @CallId", new { call.CallId }));
    }

    [Fact]
    public async Task An_accept_after_the_window_closed_ends_the_call_failed_with_metas_138007()
    {
        var kit = await CallKit.StartAsync("call_late");
        await using var sandbox = kit.Sandbox;
        await using var worker = WorkerHost.Start(kit.Db, sandbox);
        var late = await kit.CustomerCallsAsync("5491155550102");
        var onTime = await kit.CustomerCallsAsync("5491155550103");
        (await sandbox.Client.PostAsync($"/sandbox/calls/{late.Wacid}/expire", null)).EnsureSuccessStatusCode();

        var lateAction = await kit.AcceptAsync(late.CallId);
        await kit.AcceptAsync(onTime.CallId);

        var failed = await kit.WaitForCallAsync(late.CallId, c => c.State == "ended", "the late accept refused");
        Assert.Equal(("failed", "meta", 138007, "Call connect timeout"), (failed.Outcome, failed.EndedBy, failed.ErrorCode, failed.ErrorTitle));
        Assert.Contains("can no longer be accepted", failed.ErrorDetails);
        var action = await kit.ActionAsync(lateAction);
        Assert.Equal(("failed", 1), (action.State, action.AttemptCount)); // permanent: not retried
        Assert.StartsWith("138007 Call connect timeout", action.LastError);
        // The call is gone at Meta: nothing to terminate.
        Assert.Equal(0L, await kit.Db.ScalarAsync<long>("select count(*) from calls.actions where call_id = @CallId and kind = 'terminate'", new { late.CallId }));
        Assert.Equal("failed", await kit.Db.ScalarAsync<string>(
            "select m.payload->>'outcome' from calls.calls c join chat.messages m on m.id = c.message_id where c.id = @CallId", new { late.CallId }));
        // The positive control: the call accepted in its window connects.
        await kit.WaitForCallAsync(onTime.CallId, c => c.State == "connected", "the call accepted in time connected");
    }

    [Fact]
    public async Task An_accept_Meta_answers_503_is_retried_within_the_window_and_connects()
    {
        var kit = await CallKit.StartAsync("call_accept_retry");
        await using var sandbox = kit.Sandbox;
        await using var worker = WorkerHost.Start(kit.Db, sandbox, inner => new UnavailableFor("pre_accept", 2) { InnerHandler = inner },
            ("Calls:PollIntervalMs", "50"), ("Calls:AcceptRetryDelayMs", "100"));
        var call = await kit.CustomerCallsAsync("5491155550110");

        var actionId = await kit.AcceptAsync(call.CallId);
        await kit.WaitForCallAsync(call.CallId, c => c.State == "connected", "connected after two 503s");

        Assert.Equal(("done", 3), ((await kit.ActionAsync(actionId)).State, (await kit.ActionAsync(actionId)).AttemptCount));
        Assert.Equal(["pre_accept", "accept"], CallKit.GraphActions(await kit.SandboxCallAsync(call.Wacid)));
        Assert.Equal(["graph:pre_accept", "graph:pre_accept", "graph:pre_accept", "graph:accept"], await kit.EventsAsync(call.CallId));
    }

    [Fact]
    public async Task An_accept_retried_after_its_pre_accept_went_through_does_not_pre_accept_again()
    {
        var kit = await CallKit.StartAsync("call_accept_retry2");
        await using var sandbox = kit.Sandbox;
        await using var worker = WorkerHost.Start(kit.Db, sandbox, inner => new UnavailableFor("accept", 1) { InnerHandler = inner },
            ("Calls:PollIntervalMs", "50"), ("Calls:AcceptRetryDelayMs", "100"));
        var call = await kit.CustomerCallsAsync("5491155550112");

        var actionId = await kit.AcceptAsync(call.CallId);
        await kit.WaitForCallAsync(call.CallId, c => c.State == "connected", "connected after a 503 to the accept");

        Assert.Equal(2, (await kit.ActionAsync(actionId)).AttemptCount);
        Assert.Equal(["pre_accept", "accept"], CallKit.GraphActions(await kit.SandboxCallAsync(call.Wacid)));
        Assert.Equal(["graph:pre_accept", "graph:accept", "graph:accept"], await kit.EventsAsync(call.CallId));
    }

    [Fact]
    public async Task A_transient_failure_at_the_end_of_the_window_ends_the_call_failed_and_it_is_terminated_at_Meta()
    {
        var kit = await CallKit.StartAsync("call_accept_window");
        await using var sandbox = kit.Sandbox;
        await using var worker = WorkerHost.Start(kit.Db, sandbox, inner => new UnavailableFor("pre_accept", 100) { InnerHandler = inner },
            ("Calls:PollIntervalMs", "50"), ("Calls:AcceptRetryDelayMs", "500"));
        // 29.9 s into Meta's 30: after the first 503, a retry 500 ms later would be past the window.
        var call = await kit.CustomerCallsAsync("5491155550111", rangFor: TimeSpan.FromSeconds(29.9));

        var actionId = await kit.AcceptAsync(call.CallId);
        var row = await kit.WaitForCallAsync(call.CallId, c => c.State == "ended", "given up at the window's end");

        Assert.Equal(("failed", "meta", 2, "Service temporarily unavailable"), (row.Outcome, row.EndedBy, row.ErrorCode, row.ErrorTitle));
        Assert.Equal(("failed", 1), ((await kit.ActionAsync(actionId)).State, (await kit.ActionAsync(actionId)).AttemptCount));
        // The customer's phone would ring on until Meta's window closed: the call is terminated.
        var terminate = await kit.Db.ScalarAsync<long>("select id from calls.actions where call_id = @CallId and kind = 'terminate'", new { call.CallId });
        Assert.Equal("done", (await kit.WaitForActionAsync(terminate, "terminated")).State);
        var atMeta = await kit.SandboxCallAsync(call.Wacid);
        Assert.Equal(["terminate"], CallKit.GraphActions(atMeta));
        Assert.Equal("ended", atMeta.State);
    }

    [Fact]
    public async Task A_rejected_call_is_rejected_at_Meta_and_stays_rejected_here()
    {
        var kit = await CallKit.StartAsync("call_reject");
        await using var sandbox = kit.Sandbox;
        await using var worker = WorkerHost.Start(kit.Db, sandbox);
        var call = await kit.CustomerCallsAsync("5491155550104");

        var actionId = await kit.EndAndQueueAsync(call.CallId, "rejected", "reject");
        var action = await kit.WaitForActionAsync(actionId, "the reject sent");

        Assert.Equal("done", action.State);
        var atMeta = await kit.SandboxCallAsync(call.Wacid);
        Assert.Equal(("rejected", "FAILED"), (atMeta.State, atMeta.Outcome));
        Assert.Equal(["reject"], CallKit.GraphActions(atMeta));
        var row = await kit.CallAsync(call.CallId);
        Assert.Equal(("ended", "rejected", "agent"), (row.State, row.Outcome, row.EndedBy));
        Assert.Equal(["graph:reject"], await kit.EventsAsync(call.CallId));
    }

    [Fact]
    public async Task A_terminate_ends_the_connected_call_at_Meta_and_a_second_one_on_the_ended_call_succeeds()
    {
        var kit = await CallKit.StartAsync("call_terminate");
        await using var sandbox = kit.Sandbox;
        await using var worker = WorkerHost.Start(kit.Db, sandbox);
        var call = await kit.CustomerCallsAsync("5491155550105");
        await kit.AcceptAsync(call.CallId);
        await kit.WaitForCallAsync(call.CallId, c => c.State == "connected", "connected");

        var first = await kit.EndAndQueueAsync(call.CallId, "completed", "terminate");
        Assert.Equal("done", (await kit.WaitForActionAsync(first, "the terminate sent")).State);
        var atMeta = await kit.SandboxCallAsync(call.Wacid);
        Assert.Equal(("ended", "COMPLETED"), (atMeta.State, atMeta.Outcome));

        // Meta asks for a terminate even after the customer hung up: on an ended call it succeeds and changes nothing.
        var second = await kit.EndAndQueueAsync(call.CallId, "completed", "terminate");
        Assert.Equal("done", (await kit.WaitForActionAsync(second, "the second terminate sent")).State);
        atMeta = await kit.SandboxCallAsync(call.Wacid);
        Assert.Equal(["pre_accept", "accept", "terminate", "terminate"], CallKit.GraphActions(atMeta));
        Assert.Equal("the call had already ended", atMeta.Timeline.Last(e => e.Source == "graph").Detail);
        var row = await kit.CallAsync(call.CallId);
        Assert.Equal(("ended", "completed", "agent"), (row.State, row.Outcome, row.EndedBy)); // never moved back
    }

    [Fact]
    public async Task Two_Workers_send_each_accept_to_Meta_once()
    {
        var kit = await CallKit.StartAsync("call_two_workers");
        await using var sandbox = kit.Sandbox;
        var calls = new List<InboundCall>();
        for (var i = 0; i < 8; i++) calls.Add(await kit.CustomerCallsAsync("54911555502" + i.ToString("D2")));
        await using var one = WorkerHost.Start(kit.Db, sandbox, ("Calls:PollIntervalMs", "20"));
        await using var two = WorkerHost.Start(kit.Db, sandbox, ("Calls:PollIntervalMs", "20"));
        await Task.Delay(500); // both loops running and polling

        // All eight queued in one statement, as a burst of people taking calls at once.
        await kit.Db.ExecuteAsync("""
            with taken as (
                update calls.calls set state = 'accepting', answer_sdp = @sdp, accepted_at = now()
                where id = any(@ids) returning id, project_id, account_id
            )
            insert into calls.actions (project_id, account_id, call_id, kind, sdp) select project_id, account_id, id, 'accept', @sdp from taken
            """, new { ids = calls.Select(c => c.CallId).ToArray(), sdp = CallKit.BrowserAnswer });

        foreach (var call in calls)
            await kit.WaitForCallAsync(call.CallId, c => c.State == "connected", $"call {call.CallId} connected");
        foreach (var call in calls)
            Assert.Equal(["pre_accept", "accept"], CallKit.GraphActions(await kit.SandboxCallAsync(call.Wacid)));
        Assert.Equal(8L, await kit.Db.ScalarAsync<long>("select count(*) from calls.actions where state = 'done' and attempt_count = 1"));
    }

    [Fact]
    public async Task An_inbound_call_nobody_answered_is_missed_and_terminated_at_Meta_and_a_stuck_outbound_call_fails()
    {
        var kit = await CallKit.StartAsync("call_ring_timeout");
        await using var sandbox = kit.Sandbox;
        var rangOut = await kit.CustomerCallsAsync("5491155550106", rangFor: TimeSpan.FromSeconds(90));
        var stillRinging = await kit.CustomerCallsAsync("5491155550107");
        var (stuck, stuckAction) = await kit.CallCustomerAsync("5491155550108", connectingFor: TimeSpan.FromSeconds(90));
        // The stuck call's connect was taken and lost by a Worker long gone: its lease holds it out of this test's way.
        await kit.Db.ExecuteAsync("update calls.actions set locked_by = 'gone', locked_until = now() + interval '1 hour' where id = @stuckAction",
            new { stuckAction });
        await using var worker = WorkerHost.Start(kit.Db, sandbox, ("Calls:SweepIntervalMs", "200"));

        var missed = await kit.WaitForCallAsync(rangOut.CallId, c => c.State == "ended", "the call past the ring timeout ended");
        Assert.Equal(("missed", "platform", (int?)null), (missed.Outcome, missed.EndedBy, missed.ErrorCode));
        var terminate = await kit.Db.ScalarAsync<long>("select id from calls.actions where call_id = @CallId and kind = 'terminate'", new { rangOut.CallId });
        Assert.Equal("done", (await kit.WaitForActionAsync(terminate, "terminated at Meta")).State);
        var atMeta = await kit.SandboxCallAsync(rangOut.Wacid);
        Assert.Equal(["terminate"], CallKit.GraphActions(atMeta));
        Assert.Equal("ended", atMeta.State);
        Assert.Equal(["platform:ring_timeout", "graph:terminate"], await kit.EventsAsync(rangOut.CallId));

        var failed = await kit.WaitForCallAsync(stuck, c => c.State == "ended", "the stuck outbound call ended");
        Assert.Equal(("failed", "platform", "Not connected"), (failed.Outcome, failed.EndedBy, failed.ErrorTitle));
        // No Meta id: nothing to terminate.
        Assert.Equal(0L, await kit.Db.ScalarAsync<long>("select count(*) from calls.actions where call_id = @stuck and kind = 'terminate'", new { stuck }));

        // The call within its time, swept in the same passes, rings on.
        await Task.Delay(600);
        Assert.Equal("ringing", (await kit.CallAsync(stillRinging.CallId)).State);
        Assert.Equal("ringing", (await kit.SandboxCallAsync(stillRinging.Wacid)).State);
        Assert.Equal(1L, await kit.Db.ScalarAsync<long>(
            "select count(*) from calls.call_events where call_id = @CallId and name = 'ring_timeout'", new { rangOut.CallId }));
    }
}
