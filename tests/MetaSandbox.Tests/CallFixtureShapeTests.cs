using System.Text.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>The sandbox's calls webhooks against Meta's real payloads (tests/fixtures/meta/whatsapp/call_*.json):
/// the same members with the same JSON kinds, path by path. Known differences are named: the contacts' BSUID fields
/// (user_id, parent_user_id), which no sandbox webhook sends yet, and is_permanent on a permission reply, which Meta's
/// permissions page documents and the older capture predates.</summary>
public class CallFixtureShapeTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    private static readonly string[] Bsuid = ["user_id", "parent_user_id"];

    private static JsonElement Fixture(string name)
    {
        var root = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "whatsapp", name))).RootElement;
        return root.GetProperty("entry")[0].GetProperty("changes")[0].GetProperty("value").Clone();
    }

    /// <summary>Every member path with its kind ("calls[].duration:Number"), arrays read through their first item.</summary>
    private static SortedSet<string> Shape(JsonElement element, string path = "")
    {
        var shape = new SortedSet<string>(StringComparer.Ordinal);
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject().Where(m => !Bsuid.Contains(m.Name)))
                {
                    var child = path.Length == 0 ? member.Name : path + "." + member.Name;
                    shape.Add($"{child}:{Kind(member.Value)}");
                    shape.UnionWith(Shape(member.Value, child));
                }
                break;
            case JsonValueKind.Array when element.GetArrayLength() > 0:
                shape.UnionWith(Shape(element[0], path + "[]"));
                break;
        }
        return shape;
    }

    private static string Kind(JsonElement e) => e.ValueKind is JsonValueKind.True or JsonValueKind.False ? "Boolean" : e.ValueKind.ToString();

    private static void AssertSameShape(JsonElement expected, JsonElement actual, params string[] expectedExtras)
    {
        var want = Shape(expected);
        var got = Shape(actual);
        Assert.Equal(want.Except(got).ToArray(), Array.Empty<string>());
        Assert.Equal(expectedExtras.Order(StringComparer.Ordinal).ToArray(), got.Except(want).ToArray());
    }

    [Fact]
    public async Task A_users_connect_has_the_shape_of_Metas_user_initiated_connect()
    {
        var (number, waba, _) = await host.NumberAsync();
        var (callId, _) = await host.UserCallsAsync(number, "5491155555001");
        var (_, value, _) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("event", "connect"));
        AssertSameShape(Fixture("call_connect_user_initiated.json"), value);
        // Control: the comparison tells shapes apart (a status is not a connect).
        Assert.NotEqual(Shape(Fixture("call_status_ringing.json")), Shape(value));
    }

    [Fact]
    public async Task A_business_connect_RINGING_and_a_completed_terminate_have_the_shapes_of_Metas()
    {
        var (number, waba, token) = await host.NumberAsync();
        await BusinessInitiatedCallTests.GrantAsync(host, number, token, "5491155555002");
        var callId = (await host.CallsAsync(number, token, CallSupport.Connect("5491155555002", callbackData: "random_string")))
            .Json.GetProperty("calls")[0].GetProperty("id").GetString()!;

        var (_, connect, _) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("event", "connect"));
        AssertSameShape(Fixture("call_connect_business_initiated.json"), connect);
        var (_, ringing, _) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("status", "RINGING"));
        AssertSameShape(Fixture("call_status_ringing.json"), ringing);

        await host.ControlAsync($"/sandbox/calls/{callId}/answer");
        await host.CallsAsync(number, token, CallSupport.Plain("terminate", callId));
        var (_, terminate, _) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("event", "terminate"));
        // The capture is a completed call that still carries value-level errors; a completed sandbox call has none.
        var shape = Shape(Fixture("call_terminate_completed.json")).Where(p => !p.StartsWith("errors", StringComparison.Ordinal)).ToHashSet();
        Assert.Empty(shape.Except(Shape(terminate)));
        Assert.Empty(Shape(terminate).Except(shape));
    }

    [Fact]
    public async Task A_failed_terminate_carries_the_error_members_of_Metas_capture()
    {
        var (number, waba, _) = await host.NumberAsync();
        var (callId, _) = await host.UserCallsAsync(number, "5491155555003");
        await host.ControlAsync($"/sandbox/calls/{callId}/fail", new { code = 138004 });
        var (_, terminate, _) = await host.Receiver.WaitForCallAsync(waba, callId, c => c.Is("event", "terminate"));
        var errors = Shape(Fixture("call_terminate_completed.json")).Where(p => p.StartsWith("errors", StringComparison.Ordinal));
        Assert.Empty(errors.Except(Shape(terminate)));
    }

    [Fact]
    public async Task A_permission_reply_has_the_shape_of_Metas_call_permission_reply()
    {
        var (number, _, token) = await host.NumberAsync();
        using var sent = await host.SendAsync(BusinessInitiatedCallTests.PermissionRequest("5491155555004"), number, token);
        var (_, accepted) = await host.ControlAsync($"/sandbox/customers/{number}/call-permission", new { from = "5491155555004", response = "accept" });
        var replyId = accepted.GetProperty("id").GetString()!;
        var webhook = await host.Receiver.WaitForAsync(w => w.Parsed.Messages.Any(m => m.ProviderMessageId == replyId));
        // The webhook may carry other changes too: the value holding the reply is the one compared. Like Meta, the
        // sandbox merges one number's changes side by side, so the request's own statuses[] may ride in that value;
        // they are another kind's shape (compared elsewhere) and are taken out here.
        var value = JsonDocument.Parse(webhook.Body).RootElement.GetProperty("entry").EnumerateArray()
            .SelectMany(e => e.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("value")))
            .Single(v => v.TryGetProperty("messages", out var messages) && messages.EnumerateArray().Any(m => m.GetProperty("id").GetString() == replyId));
        var withoutStatuses = System.Text.Json.Nodes.JsonNode.Parse(value.GetRawText())!.AsObject();
        withoutStatuses.Remove("statuses");
        AssertSameShape(Fixture("msg_interactive_call_permission_accept.json"), JsonSerializer.SerializeToElement(withoutStatuses),
            "messages[].interactive.call_permission_reply.is_permanent:Boolean");
    }
}
