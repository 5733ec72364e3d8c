using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Calls;

/// <summary>What Meta answered to one calling request: its JSON on success, or why not. <see cref="Log"/> is the line
/// the call's audit trail keeps (calls.log_event source 'graph'): what was asked, without the SDP, and Meta's answer.</summary>
public sealed record CallGraphResult(JsonNode? Body, MetaError? Error, int Status, JsonObject Log)
{
    public bool Succeeded => Error is null;
}

/// <summary>
/// The Calling API through the one <see cref="GraphTransport"/>: <c>POST /{phone-number-id}/calls</c> (connect,
/// pre_accept, accept, reject, terminate), <c>POST /{phone-number-id}/settings</c> (the calling object) and
/// <c>GET /{phone-number-id}/call_permissions</c>. One attempt per request; retries are the loop's.
/// </summary>
public sealed class CallGraphClient(GraphTransport transport)
{
    private readonly string _version = transport.ApiVersion;

    /// <summary>connect (session offer, to, biz_opaque_callback_data), pre_accept / accept (session answer), reject,
    /// terminate (call_id only).</summary>
    public Task<CallGraphResult> CallAsync(string phoneNumberId, JsonObject body, string token, TimeSpan? timeout, CancellationToken ct)
    {
        body["messaging_product"] = "whatsapp";
        // The audit line names the request without the SDP (it is on the call row) and never the token.
        var asked = new JsonObject { ["action"] = body["action"]?.DeepClone() };
        foreach (var key in new[] { "call_id", "to", "biz_opaque_callback_data" })
            if (body[key] is { } value) asked[key] = value.DeepClone();
        if (body["session"] is JsonObject session) asked["sdp_type"] = session["sdp_type"]?.DeepClone();
        return SendAsync(HttpMethod.Post, $"{Id(phoneNumberId)}/calls", body, asked, token, timeout, ct);
    }

    public Task<CallGraphResult> SettingsAsync(string phoneNumberId, JsonObject calling, string token, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"{Id(phoneNumberId)}/settings", new JsonObject { ["calling"] = calling },
            new JsonObject { ["calling"] = calling.DeepClone() }, token, null, ct);

    public Task<CallGraphResult> PermissionsAsync(string phoneNumberId, string userWaId, string token, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"{Id(phoneNumberId)}/call_permissions?user_wa_id={Uri.EscapeDataString(userWaId)}", null,
            new JsonObject { ["user_wa_id"] = userWaId }, token, null, ct);

    private async Task<CallGraphResult> SendAsync(HttpMethod method, string path, JsonObject? content, JsonObject asked, string token,
        TimeSpan? timeout, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, $"{_version}/{path}");
        if (content is not null) request.Content = JsonContent.Create(content);
        var answer = await transport.SendAsync(request, token, ct, timeout);
        JsonNode? body = null;
        try { body = answer.Body.Length > 0 ? JsonNode.Parse(answer.Body) : null; } catch (System.Text.Json.JsonException) { }
        var log = new JsonObject { ["request"] = asked, ["status"] = answer.Status };
        if (answer.IsSuccess && body is JsonObject && body["error"] is null)
        {
            log["response"] = body.DeepClone();
            return new(body, null, answer.Status, log);
        }
        var error = answer.Error;
        log["error"] = new JsonObject
        {
            ["code"] = error.Code, ["subcode"] = error.Subcode, ["title"] = error.Title, ["details"] = error.Details,
            ["source"] = error.Source.ToString().ToLowerInvariant(),
        };
        return new(body, error, answer.Status, log);
    }

    private static string Id(string phoneNumberId) => Uri.EscapeDataString(phoneNumberId);
}
