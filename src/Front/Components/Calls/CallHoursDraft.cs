using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MultichannelMessages.Front.Components.Calls;

/// <summary>
/// Meta's call_hours object (POST /{phone-number-id}/settings, calling.call_hours) as a form: the time zone, the opening
/// hours per weekday (Meta allows two ranges a day) and the holidays. Times are edited as HH:mm (an input of type time)
/// and sent as Meta's HHmm. The Core API checks the object and names the place of an error
/// (callHoursJson.weekly_operating_hours[1].close_time); <see cref="RowOf"/> finds the row it means.
/// </summary>
public sealed class CallHoursDraft
{
    public static readonly string[] Days = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];

    public sealed class Range
    {
        public string Day { get; set; } = "MONDAY";
        public string Open { get; set; } = "09:00";
        public string Close { get; set; } = "18:00";
    }

    public sealed class Holiday
    {
        public string Date { get; set; } = "";
        public string Start { get; set; } = "00:00";
        public string End { get; set; } = "23:59";
    }

    /// <summary>False: calls are taken at any time (no call_hours is sent).</summary>
    public bool Limited { get; set; }
    public string TimeZone { get; set; } = "UTC";
    public List<Range> Weekly { get; set; } = [];
    public List<Holiday> Holidays { get; set; } = [];

    /// <summary>Monday to Friday, nine to six: what a new schedule starts from.</summary>
    public static List<Range> Workweek() => Days[..5].Select(d => new Range { Day = d }).ToList();

    public static CallHoursDraft Parse(string? json, string defaultTimeZone)
    {
        var draft = new CallHoursDraft { TimeZone = defaultTimeZone };
        if (string.IsNullOrWhiteSpace(json)) return draft;
        try
        {
            var root = JsonNode.Parse(json)!.AsObject();
            draft.Limited = (string?)root["status"] == "ENABLED";
            draft.TimeZone = (string?)root["timezone_id"] ?? defaultTimeZone;
            draft.Weekly = (root["weekly_operating_hours"] as JsonArray ?? []).OfType<JsonObject>().Select(r => new Range
            {
                Day = (string?)r["day_of_week"] ?? "MONDAY", Open = ToInput((string?)r["open_time"]), Close = ToInput((string?)r["close_time"]),
            }).ToList();
            draft.Holidays = (root["holiday_schedule"] as JsonArray ?? []).OfType<JsonObject>().Select(h => new Holiday
            {
                Date = (string?)h["date"] ?? "", Start = ToInput((string?)h["start_time"]), End = ToInput((string?)h["end_time"]),
            }).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not an object this form made: start from the defaults rather than lose the page.
        }
        return draft;
    }

    /// <summary>The object the Core API stores and the Worker pushes; null when calls are taken at any time.</summary>
    public string? ToJson()
    {
        if (!Limited) return null;
        var root = new JsonObject
        {
            ["status"] = "ENABLED",
            ["timezone_id"] = TimeZone.Trim(),
            ["weekly_operating_hours"] = new JsonArray(Weekly.Select(r => (JsonNode)new JsonObject
            {
                ["day_of_week"] = r.Day, ["open_time"] = ToMeta(r.Open), ["close_time"] = ToMeta(r.Close),
            }).ToArray()),
        };
        if (Holidays.Count > 0)
            root["holiday_schedule"] = new JsonArray(Holidays.Select(h => (JsonNode)new JsonObject
            {
                ["date"] = h.Date, ["start_time"] = ToMeta(h.Start), ["end_time"] = ToMeta(h.End),
            }).ToArray());
        return root.ToJsonString();
    }

    /// <summary>Which list and row an error's field names: ("weekly", 1, "close_time") for
    /// callHoursJson.weekly_operating_hours[1].close_time; ("", -1, "timezone_id") for a field of the whole object.</summary>
    public static (string List, int Row, string Field) RowOf(string? field)
    {
        if (field is null || !field.StartsWith("callHoursJson", StringComparison.Ordinal)) return ("", -1, "");
        var rest = field["callHoursJson".Length..].TrimStart('.');
        var list = rest.StartsWith("weekly_operating_hours", StringComparison.Ordinal) ? "weekly"
            : rest.StartsWith("holiday_schedule", StringComparison.Ordinal) ? "holidays" : "";
        var open = rest.IndexOf('[', StringComparison.Ordinal);
        var close = rest.IndexOf(']', StringComparison.Ordinal);
        var row = open >= 0 && close > open && int.TryParse(rest[(open + 1)..close], NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1;
        var dot = rest.LastIndexOf('.');
        return (list, row, dot >= 0 ? rest[(dot + 1)..] : list == "" ? rest : "");
    }

    /// <summary>HH:mm, or HH:mm:ss as Blazor reports a time input's change, to Meta's HHmm (Meta takes minutes); anything
    /// else goes as it is, for the Core API to name.</summary>
    public static string ToMeta(string input) =>
        input.Length is 5 or 8 && input[2] == ':' && (input.Length == 5 || input[5] == ':') ? input[..2] + input[3..5] : input;

    public static string ToInput(string? meta) => meta is { Length: 4 } ? meta.Insert(2, ":") : meta ?? "";
}
