using System.Text.Json;

namespace MultichannelMessages.Platform.Meta.Parsing;

internal static class ParsedWebhookExtensions
{
    /// <summary>
    /// Runs <paramref name="read"/> on each item of <c>parent[list]</c>. An item that throws is recorded as
    /// "bad_item:list[i]: reason" and skipped, so one malformed message never costs the rest of the body.
    /// </summary>
    public static void ReadEach(this ParsedWebhook result, JsonElement parent, string list, Action<JsonElement> read)
    {
        var index = 0;
        foreach (var item in parent.Items(list))
        {
            try
            {
                read(item);
            }
            catch (Exception ex)
            {
                result.Unhandled.Add($"bad_item:{list}[{index}]: {ex.Message}");
            }
            index++;
        }
    }

    /// <summary>A body of a thousand call events should say "field:calls" once, not a thousand times.</summary>
    public static void AddUnhandledOnce(this ParsedWebhook result, string what)
    {
        if (!result.Unhandled.Contains(what))
            result.Unhandled.Add(what);
    }
}
