using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>The interactive call_permission_request, Meta's limits per business number and user (1 per 24 hours,
/// 2 per 7 days, reset by a connected call; none once permission is permanent), the user's call_permission_reply, and
/// GET /{phone-number-id}/call_permissions.</summary>
public class CallPermissionTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    private async Task<(int Status, int? Code, string? Id)> RequestAsync(string number, string token, string user, object? header = null)
    {
        using var response = await host.SendAsync(BusinessInitiatedCallTests.PermissionRequest(user, header), number, token);
        var json = await SandboxHost.JsonAsync(response);
        return json.TryGetProperty("error", out var error)
            ? ((int)response.StatusCode, error.GetProperty("code").GetInt32(), null)
            : ((int)response.StatusCode, null, json.GetProperty("messages")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_users_acceptance_arrives_as_a_signed_call_permission_reply_in_the_shape_Meta_sends()
    {
        var (number, waba, token) = await host.NumberAsync();
        var (_, _, requestId) = await RequestAsync(number, token, "5491155553001");
        var (status, accepted) = await host.ControlAsync($"/sandbox/customers/{number}/call-permission", new { from = "5491155553001", response = "accept" });
        Assert.Equal(202, status);
        var replyId = accepted.GetProperty("id").GetString()!;

        var webhook = await host.Receiver.WaitForAsync(w => w.Parsed.Messages.Any(m => m.ProviderMessageId == replyId));
        Assert.True(webhook.SignatureValid);
        // The webhook may carry other changes too (a status of the request, say): find the reply's entry and message by id.
        var (entryId, message) = JsonDocument.Parse(webhook.Body).RootElement.GetProperty("entry").EnumerateArray()
            .SelectMany(e => e.GetProperty("changes").EnumerateArray()
                .Where(c => c.GetProperty("value").TryGetProperty("messages", out _))
                .SelectMany(c => c.GetProperty("value").GetProperty("messages").EnumerateArray())
                .Select(m => (Entry: e.GetProperty("id").GetString(), Message: m)))
            .Single(x => x.Message.GetProperty("id").GetString() == replyId);
        Assert.Equal("interactive", message.GetProperty("type").GetString());
        Assert.Equal(requestId, message.GetProperty("context").GetProperty("id").GetString());
        var interactive = message.GetProperty("interactive");
        Assert.Equal("call_permission_reply", interactive.GetProperty("type").GetString());
        var reply = interactive.GetProperty("call_permission_reply");
        Assert.Equal("accept", reply.GetProperty("response").GetString());
        Assert.False(reply.GetProperty("is_permanent").GetBoolean());
        Assert.Equal("user_action", reply.GetProperty("response_source").GetString());
        var expires = reply.GetProperty("expiration_timestamp").GetInt64();
        Assert.InRange(expires - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 7 * 86400 - 60, 7 * 86400 + 5);
        Assert.Equal(waba, entryId);

        var state = await host.GetCallPermissionsAsync(number, token, "5491155553001");
        Assert.Equal("temporary", state.GetProperty("permission").GetProperty("status").GetString());
        Assert.Equal(expires, state.GetProperty("permission").GetProperty("expiration_time").GetInt64());
        Assert.True(state.ActionNamed("start_call").GetProperty("can_perform_action").GetBoolean());
    }

    [Fact]
    public async Task A_second_request_within_24_hours_is_refused_with_138009_until_a_connected_call_resets_the_limits()
    {
        var (number, _, token) = await host.NumberAsync();
        Assert.Equal(200, (await RequestAsync(number, token, "5491155553002")).Status);
        var second = await RequestAsync(number, token, "5491155553002");
        Assert.Equal((400, (int?)138009), (second.Status, second.Code));

        var state = await host.GetCallPermissionsAsync(number, token, "5491155553002");
        Assert.Equal("no_permission", state.GetProperty("permission").GetProperty("status").GetString());
        Assert.False(state.GetProperty("permission").TryGetProperty("expiration_time", out _));
        var request = state.ActionNamed("send_call_permission_request");
        Assert.False(request.GetProperty("can_perform_action").GetBoolean());
        var day = request.GetProperty("limits").EnumerateArray().Single(l => l.GetProperty("time_period").GetString() == "PT24H");
        Assert.Equal((1, 1), (day.GetProperty("max_allowed").GetInt32(), day.GetProperty("current_usage").GetInt32()));
        Assert.True(day.TryGetProperty("limit_expiration_time", out _));
        var week = request.GetProperty("limits").EnumerateArray().Single(l => l.GetProperty("time_period").GetString() == "P7D");
        Assert.Equal((2, 1), (week.GetProperty("max_allowed").GetInt32(), week.GetProperty("current_usage").GetInt32()));
        Assert.False(state.ActionNamed("start_call").GetProperty("can_perform_action").GetBoolean());

        // Control: another user of the same number is not limited by this one's requests.
        Assert.Equal(200, (await RequestAsync(number, token, "5491155553003")).Status);

        // The user accepts, the business calls, the user picks up: the limits start again.
        await host.ControlAsync($"/sandbox/customers/{number}/call-permission", new { from = "5491155553002", response = "accept" });
        var callId = (await host.CallsAsync(number, token, CallSupport.Connect("5491155553002"))).Json.GetProperty("calls")[0].GetProperty("id").GetString()!;
        await host.ControlAsync($"/sandbox/calls/{callId}/answer");
        Assert.Equal(200, (await RequestAsync(number, token, "5491155553002")).Status);
    }

    [Fact]
    public async Task Once_permission_is_permanent_a_request_is_refused_with_138017_and_calls_go_through()
    {
        var (number, waba, token) = await host.NumberAsync();
        await RequestAsync(number, token, "5491155553004");
        var (_, accepted) = await host.ControlAsync($"/sandbox/customers/{number}/call-permission", new { from = "5491155553004", response = "accept", permanent = true });
        Assert.Equal(JsonValueKind.Null, accepted.TryGetProperty("expiration_timestamp", out var e) ? e.ValueKind : JsonValueKind.Null);
        var replyId = accepted.GetProperty("id").GetString()!;
        var webhook = await host.Receiver.WaitForAsync(w => w.Parsed.Messages.Any(m => m.ProviderMessageId == replyId));
        // A webhook can carry other tests' messages of the same account: only this reply's JSON is read.
        var sent = ReplyText(webhook.Body, replyId);
        Assert.Contains("\"is_permanent\":true", sent);
        Assert.DoesNotContain("expiration_timestamp", sent);

        Assert.Equal(138017, (await RequestAsync(number, token, "5491155553004")).Code);
        var state = await host.GetCallPermissionsAsync(number, token, "5491155553004");
        Assert.Equal("permanent", state.GetProperty("permission").GetProperty("status").GetString());
        Assert.False(state.ActionNamed("send_call_permission_request").GetProperty("can_perform_action").GetBoolean());
        Assert.Equal(200, (await host.CallsAsync(number, token, CallSupport.Connect("5491155553004"))).Status);
    }

    [Fact]
    public async Task A_rejection_is_told_without_an_expiry_and_leaves_the_business_without_permission()
    {
        var (number, _, token) = await host.NumberAsync();
        await RequestAsync(number, token, "5491155553005");
        var (_, rejected) = await host.ControlAsync($"/sandbox/customers/{number}/call-permission", new { from = "5491155553005", response = "reject" });
        var webhook = await host.Receiver.WaitForAsync(w => w.Parsed.Messages.Any(m => m.ProviderMessageId == rejected.GetProperty("id").GetString()));
        var sent = ReplyText(webhook.Body, rejected.GetProperty("id").GetString()!);
        Assert.Contains("\"response\":\"reject\"", sent);
        Assert.DoesNotContain("expiration_timestamp", sent);
        Assert.Equal(138006, (await host.CallsAsync(number, token, CallSupport.Connect("5491155553005"))).Json.ErrorCode());
        // And a reply with no request awaiting it is refused by the control API.
        Assert.Equal(409, (await host.ControlAsync($"/sandbox/customers/{number}/call-permission", new { from = "5491155553005", response = "accept" })).Status);
    }

    [Fact]
    public async Task A_permission_request_with_a_header_or_without_a_body_is_refused_with_code_100()
    {
        var (number, _, token) = await host.NumberAsync();
        Assert.Equal(100, (await RequestAsync(number, token, "5491155553006", header: new { type = "text", text = "Call?" })).Code);
        using var noBody = await host.SendAsync(new
        {
            messaging_product = "whatsapp", to = "5491155553006", type = "interactive",
            interactive = new { type = "call_permission_request", action = new { name = "call_permission_request" } },
        }, number, token);
        Assert.Equal(100, (await SandboxHost.JsonAsync(noBody)).ErrorCode());
        // Control: neither counted against the limit; a well-formed request still goes.
        Assert.Equal(200, (await RequestAsync(number, token, "5491155553006")).Status);
    }

    [Fact]
    public async Task With_the_callback_setting_on_a_users_call_grants_a_temporary_permission_told_automatically()
    {
        var (number, _, token) = await host.NumberAsync(calling: new { status = "ENABLED", callback_permission_status = "ENABLED" });
        var (callId, _) = await host.UserCallsAsync(number, "5491155553007");

        var webhook = await host.Receiver.WaitForAsync(w => w.Text.Contains("call_permission_reply") && w.Text.Contains(callId));
        Assert.True(webhook.SignatureValid);
        Assert.Contains("\"response_source\":\"automatic\"", webhook.Text);
        Assert.Equal("temporary", (await host.GetCallPermissionsAsync(number, token, "5491155553007")).GetProperty("permission").GetProperty("status").GetString());

        // Control: without the setting, a call grants nothing.
        var (plain, _, plainToken) = await host.NumberAsync();
        await host.UserCallsAsync(plain, "5491155553007");
        Assert.Equal("no_permission", (await host.GetCallPermissionsAsync(plain, plainToken, "5491155553007")).GetProperty("permission").GetProperty("status").GetString());
    }

    [Fact]
    public async Task More_than_100_permission_lookups_a_second_on_one_number_are_refused_with_613()
    {
        var (number, _, token) = await host.NumberAsync();
        var (other, _, otherToken) = await host.NumberAsync();
        // Until the first refusal (a window that rolls over mid-way only lets more through first).
        var answered = 0;
        for (var i = 0; i < 2_000; i++)
        {
            using var response = await host.GraphAsync(HttpMethod.Get, $"{number}/call_permissions?user_wa_id=5491155553010", token: token);
            if ((int)response.StatusCode == 429)
            {
                Assert.Equal(613, (await SandboxHost.JsonAsync(response)).ErrorCode());
                break;
            }
            Assert.Equal(200, (int)response.StatusCode);
            answered++;
        }
        Assert.InRange(answered, 100, 1_999);
        // Control: another number's lookups have their own window.
        using var elsewhere = await host.GraphAsync(HttpMethod.Get, $"{other}/call_permissions?user_wa_id=5491155553010", token: otherToken);
        Assert.Equal(200, (int)elsewhere.StatusCode);
    }

    [Fact]
    public async Task Call_permissions_needs_the_users_wa_id()
    {
        var (number, _, token) = await host.NumberAsync();
        using var response = await host.GraphAsync(HttpMethod.Get, $"{number}/call_permissions", token: token);
        Assert.Equal(100, (await SandboxHost.JsonAsync(response)).ErrorCode());
    }

    [Fact]
    public async Task A_template_with_a_call_permission_request_component_counts_as_a_request_and_can_be_answered()
    {
        var (number, waba, token) = await host.NumberAsync();
        using var created = await host.GraphAsync(HttpMethod.Post, $"{waba}/message_templates", new
        {
            name = "callback_offer", language = "en_US", category = "MARKETING",
            components = new object[] { new { type = "BODY", text = "Can we call you about your order?" }, new { type = "call_permission_request" } },
        }, token);
        var templateId = (await SandboxHost.JsonAsync(created)).GetProperty("id").GetString()!;
        await host.Receiver.WaitForAsync(w => w.Parsed.BusinessEvents.Any(e => e.TemplateId == templateId && e.Event == "APPROVED"));

        var first = await host.TrySendAsync(SandboxHost.Template("5491155553008", "callback_offer"), number, token);
        Assert.Null(first.Code);
        Assert.Equal(138009, (await host.TrySendAsync(SandboxHost.Template("5491155553008", "callback_offer"), number, token)).Code);
        var (_, reply) = await host.ControlAsync($"/sandbox/customers/{number}/call-permission", new { from = "5491155553008", response = "accept" });
        Assert.Equal(first.Wamid, reply.GetProperty("reply_to").GetString());
        // Control: an ordinary text to the same user is no permission request and is not limited.
        Assert.Null((await host.TrySendAsync(SandboxHost.Text("5491155553008", "hello"), number, token)).Code);
    }

    [Fact]
    public async Task Calls_webhooks_of_a_number_with_its_own_app_are_signed_with_that_apps_secret_and_posted_to_its_url()
    {
        await using var app = await WebhookReceiver.StartAsync("calls-app-secret-0123456789abcdef");
        Assert.Equal(System.Net.HttpStatusCode.Created, (await host.Client.PostAsJsonAsync("/sandbox/accounts", new
        {
            id = "964000000000001", kind = "whatsapp", waba_id = "974000000000001", display_phone_number = "15550004444",
            access_token = "calls-app-token", app_secret = "calls-app-secret-0123456789abcdef", webhook_url = app.Url,
        })).StatusCode);
        using var enable = await host.GraphAsync(HttpMethod.Post, "964000000000001/settings", new { calling = new { status = "ENABLED" } }, "calls-app-token");
        var (callId, _) = await host.UserCallsAsync("964000000000001", "5491155553009");

        var (webhook, _, _) = await app.WaitForCallAsync("974000000000001", callId, c => c.Is("event", "connect"));
        Assert.True(webhook.SignatureValid);
        Assert.Empty(host.Receiver.CallEvents("974000000000001", callId));
        var listed = await host.GetJsonAsync("/sandbox/calls?account_id=964000000000001");
        Assert.Equal(callId, Assert.Single(listed.EnumerateArray()).GetProperty("id").GetString());
    }

    /// <summary>One message of a webhook, by id, as compact JSON (the webhook may carry other messages too).</summary>
    private static string ReplyText(byte[] body, string id) =>
        JsonDocument.Parse(body).RootElement.GetProperty("entry").EnumerateArray()
            .SelectMany(e => e.GetProperty("changes").EnumerateArray())
            .Where(c => c.GetProperty("value").TryGetProperty("messages", out _))
            .SelectMany(c => c.GetProperty("value").GetProperty("messages").EnumerateArray())
            .Single(m => m.GetProperty("id").GetString() == id)
            .GetRawText().Replace(" ", "", StringComparison.Ordinal);
}
