using System.Globalization;
using System.Text.Json.Nodes;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Calls;

namespace MultichannelMessages.MetaSandbox.Webhooks;

/// <summary>
/// Changes on the <c>calls</c> field, shaped as Meta's calling pages and the real payloads in
/// shared/fixtures/meta/whatsapp/call_*.json show them: contacts[] beside calls[] (connect, terminate) or statuses[]
/// (RINGING / ACCEPTED / REJECTED of a business-initiated call); timestamps are strings of Unix seconds, duration a number.
/// </summary>
public static class CallPayloads
{
    /// <summary>User-initiated: the user's offer. Business-initiated: Meta's answer to the business's offer.</summary>
    public static WebhookItem Connect(SandboxAccount account, SandboxCall call, DateTimeOffset at)
    {
        var item = Call(account, call, "connect", at);
        item["session"] = new JsonObject
        {
            ["sdp_type"] = call.UserInitiated ? "offer" : "answer",
            ["sdp"] = call.UserInitiated ? call.Offer : call.Answer,
        };
        return Calls(account, call, "calls", item);
    }

    public static WebhookItem Status(SandboxAccount account, SandboxCall call, string status, DateTimeOffset at)
    {
        var item = new JsonObject
        {
            ["id"] = call.Id,
            ["timestamp"] = Seconds(at),
            ["type"] = "call",
            ["status"] = status,
            ["recipient_id"] = call.User,
        };
        if (call.CallbackData is not null)
            item["biz_opaque_callback_data"] = call.CallbackData;
        return Calls(account, call, "statuses", item);
    }

    /// <summary>COMPLETED with start, end and duration when the call connected; FAILED otherwise, with the error in
    /// calls[0].errors and value.errors as Meta's capture has it.</summary>
    public static WebhookItem Terminate(SandboxAccount account, SandboxCall call, DateTimeOffset at, JsonObject? error)
    {
        var item = Call(account, call, "terminate", at);
        if (call.CallbackData is not null)
            item["biz_opaque_callback_data"] = call.CallbackData;
        item["status"] = call.Outcome;
        if (call.ConnectedAt is { } start)
        {
            item["start_time"] = Seconds(start);
            item["end_time"] = Seconds(at);
            item["duration"] = (int)Math.Round((at - start).TotalSeconds);
        }
        if (error is not null)
            item["errors"] = new JsonArray(error.DeepClone());
        var webhook = Calls(account, call, "calls", item);
        if (error is not null)
            webhook.Payload["errors"] = new JsonArray(error.DeepClone());
        return webhook;
    }

    private static JsonObject Call(SandboxAccount account, SandboxCall call, string @event, DateTimeOffset at) => new()
    {
        ["id"] = call.Id,
        ["from"] = call.UserInitiated ? call.User : account.DisplayPhoneNumber,
        ["to"] = call.UserInitiated ? account.DisplayPhoneNumber : call.User,
        ["event"] = @event,
        ["timestamp"] = Seconds(at),
        ["direction"] = call.Direction,
    };

    private static WebhookItem Calls(SandboxAccount account, SandboxCall call, string list, JsonObject item)
    {
        var value = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["metadata"] = new JsonObject { ["display_phone_number"] = account.DisplayPhoneNumber, ["phone_number_id"] = account.Id },
            ["contacts"] = new JsonArray(new JsonObject { ["profile"] = new JsonObject { ["name"] = call.UserName }, ["wa_id"] = call.User }),
            [list] = new JsonArray(item),
        };
        return WebhookItem.WhatsApp(account.WabaId!, "calls", value);
    }

    private static string Seconds(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}
