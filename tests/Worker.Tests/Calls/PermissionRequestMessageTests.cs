using System.Net.Http.Headers;
using System.Net.Http.Json;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Calls;

/// <summary>A call permission request as the Core API queues it (calls.request_permission: type 'interactive', the
/// Graph object in the payload) goes out of the outbox's request builder in Meta's shape, and the sandbox — which
/// validates call_permission_request messages — takes it. No change to the outbox was needed: a payload in Meta's
/// shape is sent as it is.</summary>
public sealed class PermissionRequestMessageTests
{
    private const string Payload = """
        {"interactive":{"type":"call_permission_request","action":{"name":"call_permission_request"},"body":{"text":"May we call you?"}}}
        """;

    [Fact]
    public async Task The_outbox_sends_the_stored_permission_request_in_the_shape_the_sandbox_accepts()
    {
        var kit = await CallKit.StartAsync("call_permission_message");
        var body = GraphRequests.Build(new OutboundMessage("whatsapp", WorkerDatabase.WhatsApp, "34600111222", "interactive", "May we call you?", Payload), out var problem);
        Assert.Null(problem);
        Assert.Equal("""{"type":"call_permission_request","action":{"name":"call_permission_request"},"body":{"text":"May we call you?"}}""",
            body!["interactive"]!.ToJsonString());
        Assert.Equal("interactive", (string?)body["type"]);

        async Task<int> Send(object content)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v21.0/{WorkerDatabase.WhatsApp}/messages") { Content = JsonContent.Create(content) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", WorkerDatabase.TokenOf(WorkerDatabase.WhatsApp));
            using var response = await kit.Sandbox.Client.SendAsync(request);
            return (int)response.StatusCode;
        }
        Assert.Equal(200, await Send(body));
        // Negative control: the sandbox does validate the shape (no action name → refused).
        var broken = body.DeepClone().AsObject();
        broken["interactive"]!.AsObject().Remove("action");
        Assert.NotEqual(200, await Send(broken));
    }
}
