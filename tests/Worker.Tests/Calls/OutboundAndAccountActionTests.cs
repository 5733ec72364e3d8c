using System.Text.Json;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Calls;

/// <summary>The business calling a customer (connect, refused without permission, placed with it, retried after a
/// server error), the number's calling settings pushed to Meta, and a customer's permission looked up — the Worker
/// against the sandbox.</summary>
public sealed class OutboundAndAccountActionTests
{
    private const string CallHours = """
        {"status":"ENABLED","timezone_id":"America/Argentina/Buenos_Aires",
         "weekly_operating_hours":[{"day_of_week":"MONDAY","open_time":"0900","close_time":"1800"}],
         "holiday_schedule":[{"date":"2026-12-25","start_time":"0000","end_time":"2359"}]}
        """;

    [Fact]
    public async Task A_call_without_the_customers_permission_fails_with_138006_and_records_no_permission()
    {
        var kit = await CallKit.StartAsync("call_no_permission");
        await using var sandbox = kit.Sandbox;
        await using var worker = WorkerHost.Start(kit.Db, sandbox);

        var (callId, actionId) = await kit.CallCustomerAsync("5491155550201");
        var row = await kit.WaitForCallAsync(callId, c => c.State == "ended", "the connect refused");

        Assert.Equal(("failed", "meta", 138006, "No approved call permission from the recipient"),
            (row.Outcome, row.EndedBy, row.ErrorCode, row.ErrorTitle));
        Assert.Contains("has not granted", row.ErrorDetails);
        Assert.Null(row.ProviderCallId);
        Assert.Equal(("failed", 1), ((await kit.ActionAsync(actionId)).State, (await kit.ActionAsync(actionId)).AttemptCount));
        Assert.Equal("no_permission", await kit.Db.ScalarAsync<string>("""
            select p.status from calls.permissions p join calls.calls c on c.account_id = p.account_id and c.contact_id = p.contact_id
            where c.id = @callId
            """, new { callId }));
        Assert.Empty(await kit.SandboxCallsToAsync("5491155550201")); // Meta placed nothing
        Assert.Equal(["graph:connect"], await kit.EventsAsync(callId));
    }

    [Fact]
    public async Task A_call_with_permission_is_placed_with_its_marker_and_metas_call_id_stored()
    {
        var kit = await CallKit.StartAsync("call_connect");
        await using var sandbox = kit.Sandbox;
        await kit.GrantPermissionAsync("5491155550202");
        await using var worker = WorkerHost.Start(kit.Db, sandbox);

        var (callId, actionId) = await kit.CallCustomerAsync("5491155550202");
        var row = await kit.WaitForCallAsync(callId, c => c.ProviderCallId is not null, "Meta's call id stored");

        var atMeta = Assert.Single(await kit.SandboxCallsToAsync("5491155550202"));
        Assert.Equal(atMeta.Id, row.ProviderCallId);
        Assert.Equal($"mm-call-{callId}", atMeta.CallbackData);
        Assert.Equal(CallKit.BrowserOffer, atMeta.Offer);
        Assert.Equal("ringing", atMeta.State);
        // Meta's answer comes in the connect webhook (ingestion's): until then the call is connecting.
        Assert.Equal("connecting", row.State);
        Assert.Equal("done", (await kit.ActionAsync(actionId)).State);
    }

    [Fact]
    public async Task A_connect_meta_failed_with_a_server_error_is_retried_and_placed_once()
    {
        var kit = await CallKit.StartAsync("call_connect_retry");
        await using var sandbox = kit.Sandbox;
        await kit.GrantPermissionAsync("5491155550203");
        await sandbox.AddFaultAsync(new { kind = "server_error", count = 1, endpoint = "calls" });
        await using var worker = WorkerHost.Start(kit.Db, sandbox, ("Calls:PollIntervalMs", "100"));

        var (callId, actionId) = await kit.CallCustomerAsync("5491155550203");
        var row = await kit.WaitForCallAsync(callId, c => c.ProviderCallId is not null, "placed after the retry");

        Assert.Equal("connecting", row.State);
        Assert.Single(await kit.SandboxCallsToAsync("5491155550203"));
        Assert.Equal(1, (await sandbox.FaultsAsync()).Single().Hits);
        Assert.Equal(("done", 2), ((await kit.ActionAsync(actionId)).State, (await kit.ActionAsync(actionId)).AttemptCount));
        Assert.Equal(["graph:connect", "graph:connect"], await kit.EventsAsync(callId));
    }

    [Fact]
    public async Task A_connect_whose_answer_was_lost_is_not_sent_again()
    {
        var kit = await CallKit.StartAsync("call_connect_lost");
        await using var sandbox = kit.Sandbox;
        await kit.GrantPermissionAsync("5491155550207");
        await using var worker = WorkerHost.Start(kit.Db, sandbox, inner => new AnswerLostFor("connect", TimeSpan.FromSeconds(5)) { InnerHandler = inner },
            ("Graph:TimeoutSeconds", "1"), ("Calls:PollIntervalMs", "50"), ("Calls:AcceptRetryDelayMs", "100"));

        var (callId, actionId) = await kit.CallCustomerAsync("5491155550207");
        var action = await kit.WaitForActionAsync(actionId, "the connect given up as in doubt");

        Assert.Equal(("failed", 1), (action.State, action.AttemptCount));
        Assert.StartsWith("in_doubt: Timeout", action.LastError);
        // Meta did place it; the call stays connecting for the connect webhook (or the ring timeout) to decide.
        Assert.Equal(("connecting", null), ((await kit.CallAsync(callId)).State, (await kit.CallAsync(callId)).Outcome));
        Assert.Equal(["graph:connect", "platform:connect_in_doubt"], await kit.EventsAsync(callId));
        await Task.Delay(1_000); // a retry would have come within 100-800 ms
        Assert.Single(await kit.SandboxCallsToAsync("5491155550207"));
        Assert.Equal(1, (await kit.ActionAsync(actionId)).AttemptCount);
    }

    [Fact]
    public async Task Settings_are_pushed_to_Meta_and_marked_synced()
    {
        var kit = await CallKit.StartAsync("call_settings", enableCalling: false);
        await using var sandbox = kit.Sandbox;
        await SaveSettingsAsync(kit, enabled: true, callHours: CallHours);
        await using var worker = WorkerHost.Start(kit.Db, sandbox);

        var actionId = await kit.QueueAsync("settings");
        Assert.Equal("done", (await kit.WaitForActionAsync(actionId, "the settings pushed")).State);

        var calling = (await kit.GraphAsync(HttpMethod.Get, "settings")).GetProperty("calling");
        Assert.Equal(("ENABLED", "DISABLE_ALL", "ENABLED"), (calling.GetProperty("status").GetString(),
            calling.GetProperty("call_icon_visibility").GetString(), calling.GetProperty("callback_permission_status").GetString()));
        Assert.Equal("0900", calling.GetProperty("call_hours").GetProperty("weekly_operating_hours")[0].GetProperty("open_time").GetString());
        var (state, error, synced) = (await kit.Db.QueryAsync<(string, string?, DateTime?)>(
            "select sync_state, sync_error, synced_at from calls.settings where account_id = @AccountId", new { kit.AccountId })).Single();
        Assert.Equal(("synced", null), (state, error));
        Assert.NotNull(synced);
    }

    [Fact]
    public async Task Settings_Meta_refuses_are_marked_failed_with_metas_words()
    {
        var kit = await CallKit.StartAsync("call_settings_bad", enableCalling: false);
        await using var sandbox = kit.Sandbox;
        await SaveSettingsAsync(kit, enabled: true, callHours: CallHours.Replace("\"0900\"", "\"1900\""));
        await using var worker = WorkerHost.Start(kit.Db, sandbox);

        var actionId = await kit.QueueAsync("settings");
        var action = await kit.WaitForActionAsync(actionId, "the settings refused");

        Assert.Equal(("failed", 1), (action.State, action.AttemptCount)); // Meta's 100 is permanent: not retried
        var (state, error) = (await kit.Db.QueryAsync<(string, string?)>(
            "select sync_state, sync_error from calls.settings where account_id = @AccountId", new { kit.AccountId })).Single();
        Assert.Equal("failed", state);
        Assert.StartsWith("100 ", error);
        Assert.Contains("on MONDAY: open_time must be before close_time", error);
        Assert.Equal("DISABLED", (await kit.GraphAsync(HttpMethod.Get, "settings")).GetProperty("calling").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_push_marks_only_the_version_it_pushed_so_a_later_edit_stays_pending()
    {
        var kit = await CallKit.StartAsync("call_settings_version", enableCalling: false);
        await using var sandbox = kit.Sandbox;
        await SaveSettingsAsync(kit, enabled: true, callHours: null);
        // A push in flight at another Worker (leased to it), while the console saves a newer edit.
        var actionId = await kit.Db.ScalarAsync<long>("""
            insert into calls.actions (project_id, account_id, kind, locked_by, locked_until, attempt_count)
            values (@ProjectId, @AccountId, 'settings', 'w-other', now() + interval '1 hour', 1) returning id
            """, new { kit.Db.ProjectId, kit.AccountId });
        await kit.Db.ExecuteAsync("update calls.settings set calling_enabled = false, version = version + 1, sync_state = 'pending' where account_id = @AccountId",
            new { kit.AccountId });

        Assert.True(await kit.Db.ScalarAsync<bool>("select calls.record_settings_push(@actionId, 'w-other', 1, true, null, null)", new { actionId }));
        Assert.Equal("pending", await kit.Db.ScalarAsync<string>("select sync_state from calls.settings where account_id = @AccountId", new { kit.AccountId }));

        // The newer edit's own push marks it.
        await using var worker = WorkerHost.Start(kit.Db, sandbox);
        var next = await kit.QueueAsync("settings");
        Assert.Equal("done", (await kit.WaitForActionAsync(next, "the newer edit pushed")).State);
        Assert.Equal("synced", await kit.Db.ScalarAsync<string>("select sync_state from calls.settings where account_id = @AccountId", new { kit.AccountId }));
        Assert.Equal("DISABLED", (await kit.GraphAsync(HttpMethod.Get, "settings")).GetProperty("calling").GetProperty("status").GetString());
        // A lease that is not the caller's writes nothing.
        Assert.False(await kit.Db.ScalarAsync<bool>("select coalesce(calls.record_settings_push(@actionId, 'w-other', 2, false, 'late', null), false)", new { actionId }));
    }

    [Fact]
    public async Task A_permission_lookup_records_metas_status_expiry_and_limits()
    {
        var kit = await CallKit.StartAsync("call_lookup");
        await using var sandbox = kit.Sandbox;
        await kit.GrantPermissionAsync("5491155550205");
        var (granted, _) = await kit.CustomerAsync("5491155550205");
        var (never, _) = await kit.CustomerAsync("5491155550206");
        await using var worker = WorkerHost.Start(kit.Db, sandbox);

        var first = await kit.QueueAsync("permission_lookup", contactId: granted);
        var second = await kit.QueueAsync("permission_lookup", contactId: never);
        Assert.Equal("done", (await kit.WaitForActionAsync(first, "looked up")).State);
        Assert.Equal("done", (await kit.WaitForActionAsync(second, "looked up")).State);

        var rows = (await kit.Db.QueryAsync<(long ContactId, string Status, DateTime? ExpiresAt, string Source, string Limits, DateTime? LookedUpAt)>(
            "select contact_id, status, expires_at, source, limits::text, looked_up_at from calls.permissions order by contact_id")).ToDictionary(r => r.ContactId);
        var temporary = rows[granted];
        Assert.Equal(("temporary", "lookup"), (temporary.Status, temporary.Source));
        Assert.InRange((temporary.ExpiresAt!.Value - DateTime.UtcNow).TotalHours, 167, 168.1);
        Assert.NotNull(temporary.LookedUpAt);
        using var limits = JsonDocument.Parse(temporary.Limits);
        var startCall = limits.RootElement.EnumerateArray().Single(a => a.GetProperty("action_name").GetString() == "start_call");
        Assert.True(startCall.GetProperty("can_perform_action").GetBoolean());
        Assert.Equal(100, startCall.GetProperty("limits")[0].GetProperty("max_allowed").GetInt32()); // Meta's number, not ours
        Assert.Equal(("no_permission", (DateTime?)null), (rows[never].Status, rows[never].ExpiresAt));
    }

    [Fact]
    public async Task A_stale_permission_queues_one_lookup_and_the_worker_brings_back_metas_truth()
    {
        var kit = await CallKit.StartAsync("call_lookup_stale");
        await using var sandbox = kit.Sandbox;
        // Meta's truth: the customer gave permanent permission. Stored here: a temporary one that expired yesterday.
        await kit.GrantPermissionAsync("5491155550207", permanent: true);
        var (expired, expiredConversation) = await kit.CustomerAsync("5491155550207");
        // Another customer, read from Meta two days ago: older than the allowed age.
        var (old, oldConversation) = await kit.CustomerAsync("5491155550208");
        // A third, read an hour ago: fresh, so nothing is queued for them (the control).
        var (fresh, freshConversation) = await kit.CustomerAsync("5491155550209");
        await kit.Db.ExecuteAsync("""
            insert into calls.permissions (account_id, contact_id, project_id, status, expires_at, source, looked_up_at, updated_at) values
                (@AccountId, @expired, @ProjectId, 'temporary', now() - interval '1 day', 'reply', null, now() - interval '8 days'),
                (@AccountId, @old, @ProjectId, 'no_permission', null, 'lookup', now() - interval '2 days', now() - interval '2 days'),
                (@AccountId, @fresh, @ProjectId, 'no_permission', null, 'lookup', now() - interval '1 hour', now() - interval '1 hour')
            """, new { kit.AccountId, kit.Db.ProjectId, expired, old, fresh });

        // What GET conversations/{id}/call-permission runs (Calls:PermissionMaxAgeMinutes = a day), asked twice by
        // two consoles before the Worker runs: one lookup per customer.
        foreach (var conversation in new[] { expiredConversation, expiredConversation, oldConversation, freshConversation })
            await kit.Db.ScalarAsync<bool>("select calls.refresh_permission_if_stale(@conversation, interval '1 day')", new { conversation });
        var queued = (await kit.Db.QueryAsync<(long Id, long ContactId)>(
            "select id, contact_id from calls.actions where kind = 'permission_lookup' order by id")).ToList();
        Assert.Equal([expired, old], queued.Select(q => q.ContactId));

        await using var worker = WorkerHost.Start(kit.Db, sandbox);
        foreach (var (id, _) in queued)
            Assert.Equal("done", (await kit.WaitForActionAsync(id, "the stale permission looked up")).State);

        var rows = (await kit.Db.QueryAsync<(long ContactId, string Status, DateTime? ExpiresAt, string Source, DateTime? LookedUpAt)>(
            "select contact_id, status, expires_at, source, looked_up_at from calls.permissions")).ToDictionary(r => r.ContactId);
        Assert.Equal(("permanent", (DateTime?)null, "lookup"), (rows[expired].Status, rows[expired].ExpiresAt, rows[expired].Source));
        Assert.InRange((DateTime.UtcNow - rows[old].LookedUpAt!.Value).TotalMinutes, 0, 5);
        Assert.InRange((DateTime.UtcNow - rows[fresh].LookedUpAt!.Value).TotalMinutes, 55, 65); // untouched
        // The state the console reads is Meta's now: no longer an expired permission (the number's calling settings
        // are not saved in this test, hence calling_disabled).
        Assert.Equal(("permanent", "calling_disabled"), (await kit.Db.QueryAsync<(string, string)>(
            "select status, call_refusal from calls.permission_state(@expiredConversation)", new { expiredConversation })).Single());

        // Refreshed: asking again queues nothing, and says no lookup is pending.
        Assert.False(await kit.Db.ScalarAsync<bool>("select calls.refresh_permission_if_stale(@expiredConversation, interval '1 day')", new { expiredConversation }));
        Assert.Equal(2, await kit.Db.ScalarAsync<long>("select count(*) from calls.actions where kind = 'permission_lookup'"));
    }

    private static Task SaveSettingsAsync(CallKit kit, bool enabled, string? callHours) => kit.Db.ExecuteAsync("""
        insert into calls.settings (account_id, project_id, calling_enabled, icon_visible, callback_permission, call_hours)
        values (@AccountId, @ProjectId, @enabled, false, true, @callHours::jsonb)
        """, new { kit.AccountId, kit.Db.ProjectId, enabled, callHours });
}
