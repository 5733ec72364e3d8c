using System.Text.Json.Nodes;

namespace MultichannelMessages.MetaSandbox.Calls;

/// <summary>The errors a terminate webhook carries when a call fails after it was set up (Meta's troubleshooting
/// table: connection errors and the set-up, relay and media timeouts 138019–138023), in the webhook error shape.</summary>
public static class CallFailures
{
    private static readonly Dictionary<int, string> Titles = new()
    {
        [138004] = "Connection error",
        [138007] = "Call connect timeout",
        [138019] = "Call setup timeout",
        [138020] = "Call relay timeout",
        [138021] = "Call media timeout",
        [138022] = "Call media connection timeout",
        [138023] = "Call media inactivity timeout",
    };

    public static bool IsKnown(int code) => Titles.ContainsKey(code);

    public static IEnumerable<int> Codes => Titles.Keys;

    public static JsonObject Error(int code, string? details = null) => new()
    {
        ["code"] = code,
        ["message"] = Titles.GetValueOrDefault(code, "Call failed"),
        ["href"] = "https://developers.facebook.com/docs/whatsapp/cloud-api/calling/troubleshooting",
        ["error_data"] = new JsonObject { ["details"] = details ?? Titles.GetValueOrDefault(code, "Call failed") + "." },
    };
}
