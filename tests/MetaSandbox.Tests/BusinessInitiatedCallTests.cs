using System.Text.Json;
using MultichannelMessages.MetaSandbox.Calls;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>The business calls a user: only with the user's permission (138006 otherwise); the connect webhook
/// brings Meta's SDP answer, then RINGING; the user picks up (ACCEPTED), turns it down (REJECTED) or lets it ring.</summary>
public class BusinessInitiatedCallTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    public static object PermissionRequest(string to, object? header = null) => new
    {
        messaging_product = "whatsapp", recipient_type = "individual", to, type = "interactive",
        interactive = header is null
            ? new { type = "call_permission_request", action = new { name = "call_permission_request" }, body = new { text = "May we call you about your order?" } }
            : (object)new { type = "call_permission_request", header, action = new { name = "call_permission_request" }, body = new { text = "May we call you?" } },
    };

    /// <summary>Sends the request and has the user accept it; returns the request's wamid.</summary>
    public static async Task<string> GrantAsync(SandboxHost host, string number, string token, string user, bool permanent = false)
    {
        using var sent = await host.SendAsync(PermissionRequest(user), number, token);
        var json = await SandboxHost.JsonAsync(sent);
        Assert.True(sent.IsSuccessStatusCode, json.ToString());
        var (status, _) = await host.ControlAsync($"/sandbox/customers/{number}/call-permission", new { from = user, response = "accept", permanent });
        Assert.Equal(202, status);
        return json.GetProperty("messages")[0].GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task A_call_without_the_users_permission_is_refused_with_138006_and_one_with_it_returns_a_call_id()
    {
        var (number, _, token) = await host.NumberAsync();
        var refused = await host.CallsAsync(number, token, CallSupport.Connect("5491155552001"));
        Assert.Equal((400, 138006), (refused.Status, refused.Json.ErrorCode()));

        await GrantAsync(host, number, token, "5491155552001");
        var placed = await host.CallsAsync(number, token, CallSupport.Connect("+54 9 11 5555-2001"));
        Assert.Equal(200, placed.Status);
        Assert.Equal("whatsapp", placed.Json.GetProperty("messaging_product").GetString());
        Assert.StartsWith("wacid.", placed.Json.GetProperty("calls")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_connect_webhook_brings_Metas_answer_then_RINGING_then_ACCEPTED_and_the_terminate_completes()
    {
        var (number, waba, token) = await host.NumberAsync();
        await GrantAsync(host, number, token, "5491155552002");
        var placed = await host.CallsAsync(number, token, CallSupport.Connect("5491155552002", callbackData: "ticket-42"));
        var callId = placed.Json.GetProperty("calls")[0].GetProperty("id").GetString()!;

        var (webhook, value, connect) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("event", "connect"));
        Assert.True(webhook.SignatureValid);
        Assert.Equal("BUSINESS_INITIATED", connect.GetProperty("direction").GetString());
        Assert.Equal(value.GetProperty("metadata").GetProperty("display_phone_number").GetString(), connect.GetProperty("from").GetString());
        Assert.Equal("5491155552002", connect.GetProperty("to").GetString());
        Assert.Equal("answer", connect.GetProperty("session").GetProperty("sdp_type").GetString());
        var answer = connect.GetProperty("session").GetProperty("sdp").GetString()!;
        Assert.Null(Sdp.Problem(answer, "answer"));

        var (_, _, ringing) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("status", "RINGING"));
        Assert.Equal("call", ringing.GetProperty("type").GetString());
        Assert.Equal("5491155552002", ringing.GetProperty("recipient_id").GetString());
        Assert.Equal("ticket-42", ringing.GetProperty("biz_opaque_callback_data").GetString());

        Assert.Equal(200, (await host.ControlAsync($"/sandbox/calls/{callId}/answer")).Status);
        await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("status", "ACCEPTED"));
        Assert.Equal(200, (await host.CallsAsync(number, token, CallSupport.Plain("terminate", callId))).Status);
        var (_, _, end) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("event", "terminate"));
        Assert.Equal("COMPLETED", end.GetProperty("status").GetString());
        Assert.Equal("ticket-42", end.GetProperty("biz_opaque_callback_data").GetString());
        Assert.Equal(JsonValueKind.Number, end.GetProperty("duration").ValueKind);
        Assert.DoesNotContain(host.Receiver.CallEvents(waba, callId), c => c.Is("status", "REJECTED"));
    }

    [Fact]
    public async Task A_user_who_turns_the_call_down_sends_REJECTED_and_the_call_ends_failed()
    {
        var (number, waba, token) = await host.NumberAsync();
        await GrantAsync(host, number, token, "5491155552003");
        var callId = (await host.CallsAsync(number, token, CallSupport.Connect("5491155552003"))).Json.GetProperty("calls")[0].GetProperty("id").GetString()!;

        Assert.Equal(200, (await host.ControlAsync($"/sandbox/calls/{callId}/reject")).Status);
        await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("status", "REJECTED"));
        var (_, _, end) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("event", "terminate"));
        Assert.Equal("FAILED", end.GetProperty("status").GetString());
        // Control: a rejected call cannot be picked up any more.
        Assert.Equal(409, (await host.ControlAsync($"/sandbox/calls/{callId}/answer")).Status);
    }

    [Fact]
    public async Task A_second_call_to_a_user_already_in_one_is_refused_as_a_duplicate_and_pre_accept_is_for_user_calls_only()
    {
        var (number, _, token) = await host.NumberAsync();
        await GrantAsync(host, number, token, "5491155552004");
        var first = (await host.CallsAsync(number, token, CallSupport.Connect("5491155552004"))).Json.GetProperty("calls")[0].GetProperty("id").GetString()!;

        Assert.Equal(138003, (await host.CallsAsync(number, token, CallSupport.Connect("5491155552004"))).Json.ErrorCode());
        Assert.Equal(100, (await host.CallsAsync(number, token, CallSupport.Answer("accept", first))).Json.ErrorCode());
        await host.CallsAsync(number, token, CallSupport.Plain("terminate", first));
        // Control: once the first call ended, the next one goes through.
        Assert.Equal(200, (await host.CallsAsync(number, token, CallSupport.Connect("5491155552004"))).Status);
    }

    [Fact]
    public async Task A_rate_limit_fault_on_calls_answers_138005_and_leaves_messages_alone()
    {
        var (number, _, token) = await host.NumberAsync();
        await GrantAsync(host, number, token, "5491155552005");
        var fault = await host.ControlAsync("/sandbox/faults", new { kind = "rate_limit", endpoint = "calls", account_id = number, count = 1 });
        Assert.Equal(201, fault.Status);

        var limited = await host.CallsAsync(number, token, CallSupport.Connect("5491155552005"));
        Assert.Equal((429, 138005), (limited.Status, limited.Json.ErrorCode()));
        Assert.Equal(200, (await host.CallsAsync(number, token, CallSupport.Connect("5491155552005"))).Status);
        using var text = await host.SendAsync(SandboxHost.Text("5491155552005", "still fine"), number, token);
        Assert.True(text.IsSuccessStatusCode);
    }

    [Fact]
    public async Task Four_unanswered_calls_in_a_row_revoke_the_users_permission()
    {
        var (number, waba, token) = await host.NumberAsync();
        await GrantAsync(host, number, token, "5491155552006", permanent: true);
        for (var i = 0; i < 4; i++)
        {
            var placed = await host.CallsAsync(number, token, CallSupport.Connect("5491155552006"));
            Assert.Equal(200, placed.Status);
            var callId = placed.Json.GetProperty("calls")[0].GetProperty("id").GetString()!;
            Assert.Equal(200, (await host.ControlAsync($"/sandbox/calls/{callId}/ignore")).Status);
            var (_, _, end) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("event", "terminate"));
            Assert.Equal("FAILED", end.GetProperty("status").GetString());
        }
        Assert.Equal(138006, (await host.CallsAsync(number, token, CallSupport.Connect("5491155552006"))).Json.ErrorCode());
        var state = await host.GetCallPermissionsAsync(number, token, "5491155552006");
        Assert.Equal("no_permission", state.GetProperty("permission").GetProperty("status").GetString());
    }

    [Fact]
    public async Task For_a_relayed_device_the_connect_webhook_waits_for_the_devices_own_answer_and_carries_it()
    {
        var (number, waba, token) = await host.NumberAsync();
        await GrantAsync(host, number, token, "5491155552007");
        Assert.Equal(204, (await host.ControlAsync($"/sandbox/customers/{number}/call-device", new { from = "5491155552007" })).Status);
        var callId = (await host.CallsAsync(number, token, CallSupport.Connect("5491155552007"))).Json.GetProperty("calls")[0].GetProperty("id").GetString()!;

        // The device reads the business's offer; nothing reaches the business until it answers.
        var listed = Assert.Single((await host.GetJsonAsync($"/sandbox/calls?account_id={number}&user=5491155552007")).EnumerateArray());
        Assert.Equal(CallSupport.BrowserOffer, listed.GetProperty("offer").GetString());
        Assert.False(listed.TryGetProperty("answer", out _));
        Assert.Equal(409, (await host.ControlAsync($"/sandbox/calls/{callId}/answer")).Status);
        await Task.Delay(200);
        Assert.Empty(host.Receiver.CallEvents(waba, callId));
        Assert.Equal(400, (await host.ControlAsync($"/sandbox/calls/{callId}/session", new { sdp = CallSupport.BrowserOffer })).Status);

        Assert.Equal(200, (await host.ControlAsync($"/sandbox/calls/{callId}/session", new { sdp = CallSupport.BrowserAnswer })).Status);
        var (_, _, connect) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("event", "connect"));
        Assert.Equal(CallSupport.BrowserAnswer, connect.GetProperty("session").GetProperty("sdp").GetString());
        await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("status", "RINGING"));
        Assert.Equal(409, (await host.ControlAsync($"/sandbox/calls/{callId}/session", new { sdp = CallSupport.BrowserAnswer })).Status);
        Assert.Equal(200, (await host.ControlAsync($"/sandbox/calls/{callId}/answer")).Status);
        await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("status", "ACCEPTED"));

        // Control: once the device is no longer relayed, the sandbox answers at once again.
        await host.CallsAsync(number, token, CallSupport.Plain("terminate", callId));
        await host.ControlAsync($"/sandbox/customers/{number}/call-device", new { from = "5491155552007", relayed = false });
        var next = (await host.CallsAsync(number, token, CallSupport.Connect("5491155552007"))).Json.GetProperty("calls")[0].GetProperty("id").GetString()!;
        await host.Receiver.WaitForCallAsync(waba, next, c => c.Is("event", "connect"));
    }
}
