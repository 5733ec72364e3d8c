using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>What the calling tests share: a number of their own with calling on, the Graph calls, and the calls
/// webhooks (signed, as received) for one call.</summary>
public static class CallSupport
{
    private static int _next;

    /// <summary>A fresh WhatsApp number (own WABA, token = its id) with calling ENABLED unless told.</summary>
    public static async Task<(string Id, string Waba, string Token)> NumberAsync(this SandboxHost host, bool enableCalling = true,
        object? calling = null)
    {
        var id = "98" + Interlocked.Increment(ref _next).ToString("D4") + Random.Shared.NextInt64(100_000_000, 999_999_999);
        var token = "calls-" + id;
        await host.RegisterNumberAsync(id, token);
        if (enableCalling || calling is not null)
        {
            using var response = await host.GraphAsync(HttpMethod.Post, id + "/settings", new { calling = calling ?? new { status = "ENABLED" } }, token);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
        return (id, "7" + id[1..], token);
    }

    public static async Task<(int Status, JsonElement Json)> CallsAsync(this SandboxHost host, string number, string token, object body)
    {
        using var response = await host.GraphAsync(HttpMethod.Post, number + "/calls", body, token);
        return ((int)response.StatusCode, await SandboxHost.JsonAsync(response));
    }

    public static int ErrorCode(this JsonElement json) => json.GetProperty("error").GetProperty("code").GetInt32();

    public static string Details(this JsonElement json) =>
        json.GetProperty("error").GetProperty("error_data").GetProperty("details").GetString()!;

    public static object Connect(string to, string? sdp = null, string sdpType = "offer", string? callbackData = null) => new
    {
        messaging_product = "whatsapp", to, action = "connect",
        session = new { sdp_type = sdpType, sdp = sdp ?? BrowserOffer },
        biz_opaque_callback_data = callbackData,
    };

    public static object Answer(string action, string callId, string? sdp = null) => new
    {
        messaging_product = "whatsapp", call_id = callId, action,
        session = new { sdp_type = "answer", sdp = sdp ?? BrowserAnswer },
    };

    public static object Plain(string action, string callId) => new { messaging_product = "whatsapp", call_id = callId, action };

    /// <summary>A user calls the number; returns the call id and the user's offer.</summary>
    public static async Task<(string CallId, string Offer)> UserCallsAsync(this SandboxHost host, string number, string from, object? extra = null)
    {
        using var response = await host.Client.PostAsJsonAsync($"/sandbox/customers/{number}/calls", extra ?? new { from, name = "Caller " + from[^2..] });
        var json = await SandboxHost.JsonAsync(response);
        Assert.True((int)response.StatusCode == 201, json.ToString());
        return (json.GetProperty("call_id").GetString()!, json.GetProperty("sdp").GetString()!);
    }

    public static async Task<(int Status, JsonElement Json)> ControlAsync(this SandboxHost host, string path, object? body = null)
    {
        using var response = await host.Client.PostAsJsonAsync(path, body ?? new { });
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The first calls-field item (calls[] or statuses[]) for <paramref name="callId"/> that matches, with
    /// the webhook that carried it and its change value.</summary>
    public static async Task<(ReceivedWebhook Webhook, JsonElement Value, JsonElement Item)> WaitForCallAsync(this WebhookReceiver receiver,
        string waba, string callId, Func<JsonElement, bool> match, int timeoutMs = 10_000)
    {
        (JsonElement Value, JsonElement Item)? found = null;
        var webhook = await receiver.WaitForAsync(w =>
        {
            found = CallItems(w, waba, callId).Cast<(JsonElement, JsonElement)?>().FirstOrDefault(i => match(i!.Value.Item2));
            return found is not null;
        }, timeoutMs);
        return (webhook, found!.Value.Value, found.Value.Item);
    }

    /// <summary>Every calls-field item for the call, in the order received.</summary>
    public static IReadOnlyList<JsonElement> CallEvents(this WebhookReceiver receiver, string waba, string callId) =>
        [.. receiver.Received.SelectMany(w => CallItems(w, waba, callId)).Select(i => i.Item)];

    private static IEnumerable<(JsonElement Value, JsonElement Item)> CallItems(ReceivedWebhook webhook, string waba, string callId)
    {
        using var document = JsonDocument.Parse(webhook.Body);
        var items = new List<(JsonElement, JsonElement)>();
        foreach (var entry in document.RootElement.GetProperty("entry").EnumerateArray().Where(e => e.GetProperty("id").GetString() == waba))
            foreach (var change in entry.GetProperty("changes").EnumerateArray().Where(c => c.GetProperty("field").GetString() == "calls"))
            {
                var value = change.GetProperty("value");
                foreach (var list in new[] { "calls", "statuses" })
                    if (value.TryGetProperty(list, out var array))
                        foreach (var item in array.EnumerateArray().Where(i => i.GetProperty("id").GetString() == callId))
                            items.Add((value.Clone(), item.Clone()));
            }
        return items;
    }

    public static bool Is(this JsonElement item, string name, string value) =>
        item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() == value;

    /// <summary>What Chromium writes for an audio-only RTCPeerConnection (trimmed): an offer and its answer.</summary>
    public const string BrowserOffer =
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\na=msid-semantic: WMS\r\n" +
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 126\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:khLS\r\n" +
        "a=ice-pwd:cxLzteJaJBou3DspNaPsJhlQ\r\na=ice-options:trickle\r\n" +
        "a=fingerprint:sha-256 FA:14:42:3B:C7:97:1B:E8:AE:0C:2E:5B:A4:75:72:64:7C:8A:05:3A:41:5F:1D:CD:84:3A:95:9F:6E:2D:8C:B1\r\n" +
        "a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n" +
        "a=rtpmap:126 telephone-event/8000\r\n";

    public static readonly string BrowserAnswer = BrowserOffer.Replace("a=setup:actpass", "a=setup:active").Replace("khLS", "aB9x");
}

public static class CallPermissionSupport
{
    public static async Task<JsonElement> GetCallPermissionsAsync(this SandboxHost host, string number, string token, string user)
    {
        using var response = await host.GraphAsync(HttpMethod.Get, $"{number}/call_permissions?user_wa_id={user}", token: token);
        var json = await SandboxHost.JsonAsync(response);
        Assert.True(response.IsSuccessStatusCode, json.ToString());
        return json;
    }

    public static JsonElement ActionNamed(this JsonElement permissions, string name) =>
        permissions.GetProperty("actions").EnumerateArray().Single(a => a.GetProperty("action_name").GetString() == name);
}
