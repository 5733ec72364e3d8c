using System.Net.Http.Json;
using System.Text.Json;
using MultichannelMessages.MetaSandbox.Calls;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>A WhatsApp user calls the business: a signed connect webhook with the user's offer; the business
/// pre-accepts and accepts with the same answer while it rings, rejects, or terminates; every call ends with one
/// terminate webhook, and the call's timeline records each step.</summary>
public class UserInitiatedCallTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    [Fact]
    public async Task A_users_call_arrives_as_a_signed_connect_webhook_with_a_valid_offer_in_Metas_shape()
    {
        var (number, waba, _) = await host.NumberAsync();
        var (callId, offer) = await host.UserCallsAsync(number, "5491155551001");

        var (webhook, value, call) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("event", "connect"));

        Assert.True(webhook.SignatureValid);
        Assert.Equal(number, value.GetProperty("metadata").GetProperty("phone_number_id").GetString());
        Assert.Equal("5491155551001", value.GetProperty("contacts")[0].GetProperty("wa_id").GetString());
        Assert.Equal("Caller 01", value.GetProperty("contacts")[0].GetProperty("profile").GetProperty("name").GetString());
        Assert.Equal("5491155551001", call.GetProperty("from").GetString());
        Assert.Equal(value.GetProperty("metadata").GetProperty("display_phone_number").GetString(), call.GetProperty("to").GetString());
        Assert.Equal("USER_INITIATED", call.GetProperty("direction").GetString());
        Assert.Equal(JsonValueKind.String, call.GetProperty("timestamp").ValueKind);
        Assert.Equal("offer", call.GetProperty("session").GetProperty("sdp_type").GetString());
        Assert.Equal(offer, call.GetProperty("session").GetProperty("sdp").GetString());
        Assert.Null(Sdp.Problem(offer, "offer"));
        Assert.Contains("a=setup:actpass", offer);
    }

    [Fact]
    public async Task Pre_accept_and_accept_connect_the_call_and_the_users_hang_up_ends_it_completed_with_its_duration()
    {
        var (number, waba, token) = await host.NumberAsync();
        var (callId, _) = await host.UserCallsAsync(number, "5491155551002");

        var pre = await host.CallsAsync(number, token, CallSupport.Answer("pre_accept", callId));
        Assert.Equal(200, pre.Status);
        Assert.True(pre.Json.GetProperty("success").GetBoolean());
        Assert.Equal("whatsapp", pre.Json.GetProperty("messaging_product").GetString());
        Assert.Equal(200, (await host.CallsAsync(number, token, CallSupport.Answer("accept", callId))).Status);
        Assert.Equal(200, (await host.ControlAsync($"/sandbox/calls/{callId}/hangup")).Status);

        var (webhook, _, end) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("event", "terminate"));
        Assert.True(webhook.SignatureValid);
        Assert.Equal("COMPLETED", end.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Number, end.GetProperty("duration").ValueKind);
        Assert.Equal(JsonValueKind.String, end.GetProperty("start_time").ValueKind);
        Assert.Equal(JsonValueKind.String, end.GetProperty("end_time").ValueKind);
        Assert.False(end.TryGetProperty("errors", out _));

        var view = await host.GetJsonAsync($"/sandbox/calls/{callId}");
        Assert.Equal("ended", view.GetProperty("state").GetString());
        Assert.Equal(CallSupport.BrowserAnswer, view.GetProperty("answer").GetString());
        var steps = view.GetProperty("timeline").EnumerateArray().Select(e => $"{e.GetProperty("source").GetString()}:{e.GetProperty("name").GetString()}").ToList();
        Assert.Equal(["user:call", "webhook:connect", "graph:pre_accept", "graph:accept", "user:hang up"], steps.Take(5));
        await WaitUntilAsync(() => host.GetJsonAsync($"/sandbox/calls/{callId}"), v => v.GetProperty("timeline").EnumerateArray().Any(e => e.GetProperty("name").GetString() == "terminate COMPLETED"));
    }

    private static async Task WaitUntilAsync(Func<Task<JsonElement>> read, Func<JsonElement, bool> done)
    {
        for (var i = 0; i < 200 && !done(await read()); i++)
            await Task.Delay(20);
        Assert.True(done(await read()));
    }

    [Fact]
    public async Task An_accept_with_an_answer_other_than_the_pre_accepted_one_is_refused()
    {
        var (number, _, token) = await host.NumberAsync();
        var (callId, _) = await host.UserCallsAsync(number, "5491155551003");
        Assert.Equal(200, (await host.CallsAsync(number, token, CallSupport.Answer("pre_accept", callId))).Status);

        var other = await host.CallsAsync(number, token, CallSupport.Answer("accept", callId, Sdp.Generate("answer")));
        Assert.Equal((400, 100), (other.Status, other.Json.ErrorCode()));
        Assert.Contains("pre_accept", other.Json.Details());
        // Control: the pre-accepted answer is accepted.
        Assert.Equal(200, (await host.CallsAsync(number, token, CallSupport.Answer("accept", callId))).Status);
    }

    [Fact]
    public async Task An_accept_after_the_call_stopped_ringing_is_refused_with_138007_and_the_call_ended_failed()
    {
        var (number, waba, token) = await host.NumberAsync();
        var (callId, _) = await host.UserCallsAsync(number, "5491155551004");
        Assert.Equal(200, (await host.ControlAsync($"/sandbox/calls/{callId}/expire")).Status);

        var (_, _, end) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("event", "terminate"));
        Assert.Equal("FAILED", end.GetProperty("status").GetString());
        Assert.False(end.TryGetProperty("duration", out _));

        var late = await host.CallsAsync(number, token, CallSupport.Answer("accept", callId));
        Assert.Equal((400, 138007), (late.Status, late.Json.ErrorCode()));
        Assert.Equal(138007, (await host.CallsAsync(number, token, CallSupport.Answer("pre_accept", callId))).Json.ErrorCode());
        var timeline = (await host.GetJsonAsync($"/sandbox/calls/{callId}")).GetProperty("timeline").EnumerateArray().ToList();
        Assert.Contains(timeline, e => e.GetProperty("name").GetString() == "accept" && e.GetProperty("detail").GetString()!.Contains("terminated"));
    }

    [Fact]
    public async Task The_business_rejects_a_ringing_call_and_terminates_a_connected_one_once()
    {
        var (number, waba, token) = await host.NumberAsync();
        var (rejected, _) = await host.UserCallsAsync(number, "5491155551005");
        Assert.Equal(200, (await host.CallsAsync(number, token, CallSupport.Plain("reject", rejected))).Status);
        Assert.Equal("FAILED", (await host.Receiver.WaitForCallAsync(waba, rejected, c => c.Is("event", "terminate"))).Item.GetProperty("status").GetString());
        Assert.Equal(138007, (await host.CallsAsync(number, token, CallSupport.Answer("accept", rejected))).Json.ErrorCode());

        var (connected, _) = await host.UserCallsAsync(number, "5491155551006");
        await host.CallsAsync(number, token, CallSupport.Answer("accept", connected));
        Assert.Equal(200, (await host.CallsAsync(number, token, CallSupport.Plain("terminate", connected))).Status);
        Assert.Equal("COMPLETED", (await host.Receiver.WaitForCallAsync(waba, connected, c => c.Is("event", "terminate"))).Item.GetProperty("status").GetString());

        // Meta asks for a terminate even after the user's BYE: a second one succeeds and sends nothing more.
        Assert.Equal(200, (await host.CallsAsync(number, token, CallSupport.Plain("terminate", connected))).Status);
        await Task.Delay(200);
        Assert.Single(host.Receiver.CallEvents(waba, connected), c => c.Is("event", "terminate"));
    }

    [Fact]
    public async Task A_failure_on_Metas_side_ends_the_call_failed_with_the_error_on_the_call_and_the_value()
    {
        var (number, waba, token) = await host.NumberAsync();
        var (callId, _) = await host.UserCallsAsync(number, "5491155551007");
        await host.CallsAsync(number, token, CallSupport.Answer("accept", callId));
        Assert.Equal(200, (await host.ControlAsync($"/sandbox/calls/{callId}/fail", new { code = 138021 })).Status);

        var (_, value, end) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("event", "terminate"));
        Assert.Equal("FAILED", end.GetProperty("status").GetString());
        Assert.Equal(138021, end.GetProperty("errors")[0].GetProperty("code").GetInt32());
        Assert.Equal(138021, value.GetProperty("errors")[0].GetProperty("code").GetInt32());
        Assert.True(end.GetProperty("errors")[0].GetProperty("error_data").TryGetProperty("details", out _));
        // Control: a code no terminate carries is refused.
        Assert.Equal(400, (await host.ControlAsync($"/sandbox/calls/{callId}/fail", new { code = 138999 })).Status);
    }

    [Theory]
    [InlineData("{\"call_id\":\"wacid.x\",\"action\":\"accept\"}", "messaging_product")]
    [InlineData("{\"messaging_product\":\"whatsapp\",\"call_id\":\"wacid.x\",\"action\":\"answer\"}", "action must be one of")]
    [InlineData("{\"messaging_product\":\"whatsapp\",\"action\":\"accept\",\"session\":{\"sdp_type\":\"answer\",\"sdp\":\"v=0\"}}", "call_id")]
    [InlineData("{\"messaging_product\":\"whatsapp\",\"call_id\":\"wacid.x\",\"action\":\"accept\"}", "session")]
    [InlineData("{\"messaging_product\":\"whatsapp\",\"call_id\":\"wacid.x\",\"action\":\"pre_accept\",\"session\":{\"sdp_type\":\"offer\",\"sdp\":\"v=0\"}}", "must be answer")]
    [InlineData("{\"messaging_product\":\"whatsapp\",\"action\":\"connect\",\"session\":{\"sdp_type\":\"offer\",\"sdp\":\"v=0\"}}", "to is required")]
    [InlineData("{\"messaging_product\":\"whatsapp\",\"to\":\"5491155551000\",\"action\":\"connect\",\"session\":{\"sdp_type\":\"answer\",\"sdp\":\"v=0\"}}", "must be offer")]
    [InlineData("{\"messaging_product\":\"whatsapp\",\"to\":\"5491155551000\",\"action\":\"connect\",\"session\":{\"sdp_type\":\"offer\",\"sdp\":\"v=0\\r\\ns=-\\r\\n\"}}", "SDP validation error: the o= line")]
    public async Task Malformed_calls_requests_are_refused_with_code_100_and_the_problem_in_the_details(string body, string details)
    {
        var (number, _, token) = await host.NumberAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v21.0/{number}/calls") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", token);
        using var response = await host.Client.SendAsync(request);
        var json = await SandboxHost.JsonAsync(response);
        Assert.Equal((400, 100), ((int)response.StatusCode, json.ErrorCode()));
        Assert.Contains(details, json.Details());
    }

    [Fact]
    public async Task A_call_id_of_another_number_or_none_at_all_is_an_invalid_parameter()
    {
        var (number, _, token) = await host.NumberAsync();
        var (other, _, _) = await host.NumberAsync();
        var (callId, _) = await host.UserCallsAsync(other, "5491155551008");
        Assert.Equal(100, (await host.CallsAsync(number, token, CallSupport.Answer("accept", callId))).Json.ErrorCode());
        Assert.Equal(100, (await host.CallsAsync(number, token, CallSupport.Plain("terminate", "wacid.unknown"))).Json.ErrorCode());
        // And a token that is not the number's is Meta's unknown-object refusal.
        Assert.Equal(100, (await host.CallsAsync(other, token, CallSupport.Plain("terminate", callId))).Json.ErrorCode());
        var callView = await host.GetJsonAsync($"/sandbox/calls/{callId}");
        Assert.Equal("ringing", callView.GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_user_already_in_a_call_with_the_number_cannot_place_a_second_one()
    {
        var (number, _, _) = await host.NumberAsync();
        await host.UserCallsAsync(number, "5491155551009");
        var second = await host.Client.PostAsJsonAsync($"/sandbox/customers/{number}/calls", new { from = "5491155551009" });
        Assert.Equal(409, (int)second.StatusCode);
        var bad = await host.Client.PostAsJsonAsync($"/sandbox/customers/{number}/calls", new { from = "5491155551010", sdp = "v=0\r\n" });
        Assert.Equal(400, (int)bad.StatusCode);
    }
}
